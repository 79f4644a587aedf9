import { hostname, userInfo } from 'node:os'

import { labError } from '../../contract'
import { createEngine, type Engine } from '../engine'
import { startHostWatcher, type HostWatcher } from '../host/watcher'
import { defaultDataDir } from '../service/backend'
import { watcherSource } from '../service/snapshot-source'
import type { SshConnection } from '../ssh'
import { createFsJournalStore } from '../store/journal-store'
import { connectCli, timeoutMs, type SshCliOptions } from './ssh-options'

/** The host id the CLI uses for its single target in journals. */
export const CLI_HOST_ID = 'cli'

/** An engine wired to one SSH target, with its watcher; `close()` disposes both. */
export interface CliEngine {
  readonly engine: Engine
  readonly conn: SshConnection
  readonly watcher: HostWatcher
  close(): void
}

/**
 * Connects the CLI's target (verified host key), starts the live watcher and builds the engine
 * with the fsynced journal under `<dataDir>/journal` (`--data-dir` or the default data dir).
 */
export async function cliEngine(
  target: string,
  opts: SshCliOptions & { dataDir?: string },
): Promise<CliEngine> {
  const conn = await connectCli(target, opts)
  let watcher: HostWatcher
  try {
    watcher = await startHostWatcher(conn, { hostName: target, timeoutMs: timeoutMs(opts) })
  } catch (err) {
    conn.close()
    throw err
  }
  const source = watcherSource(watcher)
  const engine = createEngine({
    runnerFor: () => conn,
    snapshotSourceFor: () => source,
    journal: createFsJournalStore(opts.dataDir ?? defaultDataDir()),
    consoleIdentity: { user: userInfo().username, host: hostname() },
  })
  return {
    engine,
    conn,
    watcher,
    close: () => {
      watcher.close()
      conn.close()
    },
  }
}

/**
 * An engine over the journal only (no host): for `drill history`. Any call that needs a host
 * raises `unsupported`.
 */
export function journalEngine(dataDir?: string): Engine {
  const noHost = (): never => {
    throw labError('unsupported', 'this command reads the journal only; it has no host')
  }
  return createEngine({
    runnerFor: noHost,
    snapshotSourceFor: noHost,
    journal: createFsJournalStore(dataDir ?? defaultDataDir()),
    consoleIdentity: { user: userInfo().username, host: hostname() },
  })
}
