import { hostname, userInfo } from 'node:os'
import { join } from 'node:path'

import { labError } from '../../contract'
import { createEngine, type Engine } from '../engine'
import { startHostWatcher, type HostWatcher } from '../host/watcher'
import { AuditLog } from '../service/audit-log'
import { defaultDataDir } from '../service/backend'
import { watcherSource } from '../service/snapshot-source'
import type { SshConnection } from '../ssh'
import { createFsJournalStore } from '../store/journal-store'
import { connectCli, timeoutMs, type SshCliOptions } from './ssh-options'

/** The host id the CLI uses for its single target in journals. */
export const CLI_HOST_ID = 'cli'

/** The audit session of this CLI process (`cli-<pid>`). */
export const CLI_SESSION = `cli-${process.pid}`

/** The engine's audit trail in `<dataDir>/audit.jsonl`, failures reported on stderr. */
function auditDeps(dataDir: string) {
  return {
    audit: new AuditLog(join(dataDir, 'audit.jsonl')),
    onAuditError: (err: unknown) =>
      console.error(`replab: audit log not written: ${(err as Error).message}`),
  }
}

/** An engine wired to one SSH target, with its watcher; `close()` disposes both. */
export interface CliEngine {
  readonly engine: Engine
  readonly conn: SshConnection
  readonly watcher: HostWatcher
  close(): void
}

/**
 * Connects the CLI's target (verified host key), starts the live watcher and builds the engine
 * with the fsynced journal under `<dataDir>/runs` and the audit trail `<dataDir>/audit.jsonl`
 * (`--data-dir` or the default data dir).
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
  const dataDir = opts.dataDir ?? defaultDataDir()
  const engine = createEngine({
    runnerFor: () => conn,
    snapshotSourceFor: () => source,
    journal: createFsJournalStore(dataDir),
    consoleIdentity: { user: userInfo().username, host: hostname() },
    ...auditDeps(dataDir),
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
  const dir = dataDir ?? defaultDataDir()
  return createEngine({
    runnerFor: noHost,
    snapshotSourceFor: noHost,
    journal: createFsJournalStore(dir),
    consoleIdentity: { user: userInfo().username, host: hostname() },
    ...auditDeps(dir),
  })
}
