import { labError, type DrillReport } from '../../contract'
import type { EngineAudit } from './audit'
import { connectedHost, hostMismatchError, identityMismatch } from './host-identity'
import {
  foldJournal,
  JournalWriter,
  mayHideChange,
  reportOf,
  scanJournal,
  type DamagedLine,
  type JournalScan,
} from './journal'
import { restorableKeys } from './journal-history'
import { HostLink } from './host-link'
import type { DeviceLocks } from './locks'
import type { HostPorts, JournalStore } from './ports'
import { changeKey, opWords } from './restore'
import { restoreChanges } from './restore-run'

/**
 * `Engine.resumeRestore`: finishes the restore of a run a crash left without an `end` line.
 * Before any command that could change the host (the remote lock included) it checks that the
 * journal is whole where it matters (no damaged line that could be a `change`, unless the user
 * named it to skip) and that the connected host is the run's host (target, SHA256 host key,
 * boot id; see host-identity.ts). Either failure refuses, journals nothing, restores nothing.
 */

/** Options of a resumed restore. */
export interface ResumeOptions {
  /** Restore even though the connected host differs from the run's (or it recorded none). */
  readonly ignoreHostIdentity?: boolean
  /** 1-based journal line numbers the user checked by hand and wants skipped. */
  readonly skipDamaged?: readonly number[]
  /** The front-end session asking (audit). */
  readonly session?: string
}

/** What a resumed restore needs from the engine. */
export interface ResumeDeps {
  readonly ports: (hostId: string) => Promise<HostPorts>
  readonly journal: JournalStore
  readonly locks: DeviceLocks
  readonly owner: string
  readonly audit: EngineAudit
  /** True while the run is still running in this engine. */
  readonly running: (runId: string) => boolean
}

/**
 * Restores what run `runId`'s journal says changed and is still different, and closes the run
 * as `interrupted`. Rejects `invalid-request` (finished or running run), `parse-error` (a
 * damaged line that may hide a change, naming it; a run without a readable start line, with
 * the commands to restore by hand), `host-mismatch` (naming recorded and connected values),
 * `host-busy` (locked).
 */
export async function resumeRestore(
  deps: ResumeDeps,
  runId: string,
  options: ResumeOptions = {},
): Promise<DrillReport> {
  const scan = scanJournal(await deps.journal.readRun(runId))
  if (scan.end || deps.running(runId))
    throw labError('invalid-request', `run ${runId} is not interrupted`)
  refuseDamaged(runId, scan, options.skipDamaged ?? [])
  const start = scan.start
  if (!start) throw startless(runId, scan)
  const p = await deps.ports(start.hostId)
  const startedMs = p.clock.now()
  const now = connectedHost(p.runner, await p.source.snapshot({ fresh: true }))
  const why = identityMismatch(start, now)
  if (why && !options.ignoreHostIdentity) {
    await deps.audit.record({
      hostId: start.hostId,
      target: now.target,
      device: start.device,
      action: `drill restore (run ${runId})`,
      status: 'refused: host mismatch',
      startedMs,
      commands: [],
      session: options.session,
    })
    throw hostMismatchError(runId, now.target, why)
  }
  const signal = new AbortController().signal
  const link = await HostLink.take(p, deps.locks, start.device, deps.owner, {
    timeoutMs: start.params.timeoutMs,
    signal,
  })
  let report: DrillReport
  try {
    const journal = new JournalWriter(deps.journal, runId)
    await restoreChanges({
      link,
      journal,
      target: start.target,
      timeoutMs: start.params.timeoutMs,
      changes: scan.changes,
      done: new Set(scan.restored),
      runId,
      iterations: start.params.iterations,
    })
    const note = why ? `; host identity not verified (${why})` : ''
    await journal.append({
      t: 'end',
      status: 'interrupted',
      finishedAt: new Date(p.clock.now()).toISOString(),
      error: `resumed restore after an interruption${note}`,
    })
    report = reportOf(foldJournal(await deps.journal.readRun(runId)))
  } finally {
    link.release()
  }
  const after = foldJournal(await deps.journal.readRun(runId))
  await deps.audit.record({
    hostId: start.hostId,
    target: now.target,
    device: start.device,
    action: `drill restore (run ${runId})`,
    status: report.restored?.length
      ? `restored ${report.restored.join(', ')}`
      : 'nothing to restore',
    startedMs,
    commands: after.steps.slice(scan.steps.length).flatMap((e) => e.records),
    session: options.session,
  })
  return report
}

/** Refuses when a damaged line could hide a change and the user did not name it to skip. */
function refuseDamaged(runId: string, scan: JournalScan, skip: readonly number[]): void {
  const blocking = scan.damaged.filter((d) => mayHideChange(d) && !skip.includes(d.line))
  if (blocking.length === 0) return
  throw labError(
    'parse-error',
    `run ${runId}: ${blocking.map(describe).join('; ')}. A damaged line may be a change this ` +
      `run made, whose restore would be lost. Nothing was restored: check the host by hand, ` +
      `then rerun with --skip-damaged ${blocking.map((d) => d.line).join(',')} to restore the rest`,
  )
}

function describe(d: DamagedLine): string {
  return `journal line ${d.line} is damaged (${d.reason}): ${JSON.stringify(d.excerpt)}`
}

/** The refusal for a run without a readable start line: what is left, and how to restore it. */
function startless(runId: string, scan: JournalScan): Error {
  if (scan.lines === 0)
    return labError('parse-error', `run ${runId}: the journal is empty; nothing was recorded`)
  const keys = new Set(restorableKeys(scan))
  const left = scan.changes.filter((c) => keys.has(changeKey(c)))
  const manual = left.map((c) => `replab op <target> ${opWords(c)}`)
  return labError(
    'parse-error',
    `run ${runId}: its start line is unreadable, so the host it ran on is unknown and replab ` +
      `will not restore it. ` +
      (manual.length > 0
        ? `Still readable, with the value before the run: ${manual.join('; ')}`
        : 'No readable change is left to restore'),
  )
}
