import { createEngine, type Engine } from '../../main/engine/index'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import { watcherSource } from '../../main/service/snapshot-source'
import type { SshConnection } from '../../main/ssh/index'
import { createFsJournalStore } from '../../main/store/journal-store'

/** The engine of one host as the CLI wires it: a live watcher, its source, an fsynced journal. */
export interface EngineRig {
  readonly watcher: HostWatcher
  readonly engine: Engine
  /** Resolves once the watcher has read every event it has seen (`parts: []`). */
  idle(): Promise<void>
  /** Closes the watcher and `conn`. */
  close(): void
}

/**
 * Starts the watcher on `conn` (an open, verified connection the rig then owns) and an engine
 * journaling under `dir`. Rejects when the first discovery fails (within 60 s).
 */
export async function engineRig(
  conn: SshConnection,
  hostName: string,
  dir: string,
): Promise<EngineRig> {
  const watcher = await startHostWatcher(conn, { hostName, timeoutMs: 60_000 })
  const source = watcherSource(watcher)
  const engine = createEngine({
    runnerFor: () => conn,
    snapshotSourceFor: () => source,
    journal: createFsJournalStore(dir),
    consoleIdentity: { user: 'bench', host: 'bench' },
  })
  return {
    watcher,
    engine,
    idle: async () => void (await source.snapshot({ fresh: true, parts: [] })),
    close: () => {
      watcher.close()
      conn.close()
    },
  }
}
