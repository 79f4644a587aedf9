import type { DrillKind, DrillProgress } from '../../../contract'
import { createEngine, type Engine } from '../../../main/engine'
import { FakeHost, type FakeOptions } from '../../helpers/fake-mlx5-host'
import { FakeRunner, FakeSource, MemoryJournal } from './fake-ports'

/** One fake host wired into a real engine with an in-memory journal. */
export interface Harness {
  readonly host: FakeHost
  readonly journal: MemoryJournal
  readonly engine: Engine
  readonly progress: DrillProgress[]
}

let ids = 0

/** Builds the engine over a fake host; `user` names this console in lock owners. */
export function harness(
  options: FakeOptions = {},
  shared?: { host: FakeHost; journal: MemoryJournal },
  user = 'alice',
): Harness {
  const host = shared?.host ?? new FakeHost(options)
  const journal = shared?.journal ?? new MemoryJournal()
  const runner = new FakeRunner(host)
  const source = new FakeSource(host)
  const engine = createEngine({
    runnerFor: () => runner,
    snapshotSourceFor: () => source,
    journal,
    consoleIdentity: { user, host: 'laptop' },
    newId: () => `run-${++ids}`,
  })
  return { host, journal, engine, progress: [] }
}

/** A drill start request on the fake's PF. */
export function drillRequest(kind: DrillKind, params: Record<string, unknown> = {}) {
  return {
    hostId: 'fake',
    kind,
    device: 'pci/0000:08:00.0',
    params: { iterations: 1, timeoutMs: 2000, stopOnFailure: false, vfs: 2, ...params },
  }
}
