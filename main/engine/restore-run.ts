import { toErrorData } from '../../contract'
import type {
  CommandRecord,
  DrillProgress,
  Finding,
  HostSnapshot,
  LabErrorData,
  OperationRequest,
  StepRecord,
} from '../../contract'
import { auditAction, type CommandTrail } from './audit'
import type { Link } from './host-link'
import type { JournalWriter } from './journal'
import { isConnectionLoss, isConnectionLossError } from './reconnect'
import { changeKey, nextRestore, type TrackedChange } from './restore'
import { runOperation } from './run-operation'

/**
 * The restore pass of a drill (and of `Engine.resumeRestore`): puts back, one operation at a
 * time, what the drill changed. A lost SSH connection is waited out (up to `timeoutMs`, then the
 * host is re-discovered) and the interrupted item tried once more; the journal says so. The
 * remote lock a drop released is retaken before the next restore operation; when someone else
 * took the device meanwhile, nothing is restored (it is theirs now) and a `skipped` step says so.
 */

/** Inputs of a restore pass. */
export interface RestoreInput {
  /**
   * The link holding the device's locks: its ports run the restore, a lost connection is waited
   * out through it, and a remote lock lost to a drop is retaken before restoring anything.
   */
  readonly link: Link
  /** Audits the restore's commands under the item being restored (audit.ts). */
  readonly trail?: CommandTrail
  readonly journal: Pick<JournalWriter, 'append'>
  readonly target: string
  readonly timeoutMs: number
  readonly changes: readonly TrackedChange[]
  readonly done: Set<string>
  readonly runId: string
  readonly iterations: number
  readonly onProgress?: (progress: DrillProgress) => void
}

/** What a restore pass did: keys restored, keys not restored, whether the connection dropped. */
export interface RestoreOutcome {
  readonly restored: string[]
  readonly failed: string[]
  /** The SSH connection was lost at least once during the pass. */
  readonly lost: boolean
  /** Why nothing more was restored: the remote lock went to another owner (`lock-lost`). */
  readonly skipped?: string
}

/** One restore attempt, as the journal records it. */
interface Attempt {
  readonly records: CommandRecord[]
  readonly returnedMs: number | null
  readonly observedMs: number | null
  readonly error?: LabErrorData
}

/**
 * Restores tracked items whose current value differs from the original, one operation at a
 * time on a fresh snapshot, in restore order (bind, module, mode, VFs). Runs even after an
 * abort (no signal; every wait bounded by `timeoutMs`). Each attempt is journaled as a
 * `restore` step; `restored` lines mark success. An item interrupted by a lost connection is
 * retried once after the reconnect; when the host does not answer again, the items not yet
 * restored are reported failed. Rejects only for journal failures and non-SSH read errors.
 */
export async function restoreChanges(input: RestoreInput): Promise<RestoreOutcome> {
  const out: { restored: string[]; failed: string[]; lost: boolean; skipped?: string } = {
    restored: [],
    failed: [],
    lost: false,
  }
  const retried = new Set<string>()
  const left = (): string => {
    const keys = input.changes.map(changeKey).filter((k) => !input.done.has(k))
    out.failed.push(...keys)
    return keys.join(', ') || '—'
  }
  const { link } = input
  for (let guard = 0; guard < input.changes.length * 3 + 1; guard++) {
    if (link.takenBy) {
      out.skipped = await skipRestore(input, link.takenBy.data, left())
      break
    }
    const readMs = link.ports.clock.now()
    const snap = await readHost(input)
    if ('code' in snap) {
      out.lost = true
      await journalStep(input, 'restore', readMs, emptyAttempt(), [
        lostFinding(input, 'restore', `${snap.message}; not restored: ${left()}`),
      ])
      break
    }
    const next = nextRestore(input.changes, snap, input.done)
    if (!next) break
    input.trail?.at('restore', 'lock')
    const relock = await relockFor(input)
    if (relock && !link.takenBy) {
      out.lost = true
      const why = `the remote lock was not retaken: ${relock.message}`
      await journalStep(input, 'restore', readMs, emptyAttempt(), [
        lostFinding(input, 'restore', `${why}; not restored: ${left()}`),
      ])
      break
    }
    if (relock) continue
    input.done.add(next.key)
    const name = `restore ${next.key}`
    input.trail?.at(name, `restore: ${auditAction(next.request)}`)
    const startedMs = link.ports.clock.now()
    const attempt = await restoreOnce(input, next.request)
    const lost = attempt.error !== undefined && isConnectionLoss(attempt.error.code)
    const retry = lost && !retried.has(next.key)
    out.lost ||= lost
    const findings: Finding[] = []
    if (lost) {
      const then = retry ? 'tried again after the reconnect' : 'not tried again'
      findings.push(lostFinding(input, name, `${attempt.error?.message ?? ''}; ${then}`))
    } else if (attempt.error) {
      const message = `restore of ${next.key} failed: ${attempt.error.message}`
      findings.push({ severity: 'error', invariant: 'restore', message, step: name })
    }
    await journalStep(input, name, startedMs, attempt, findings)
    if (retry) {
      retried.add(next.key)
      input.done.delete(next.key)
    } else if (attempt.error) out.failed.push(next.key)
    else {
      await input.journal.append({ t: 'restored', key: next.key })
      out.restored.push(next.key)
    }
  }
  return out
}

/**
 * Retakes a remote lock a drop released (`HostLink.retakeLock`, bounded by `timeoutMs`; a lost
 * connection is waited out once). Resolves with the error when it failed (`takenBy`'s when
 * another console took the device).
 */
async function relockFor(input: RestoreInput): Promise<LabErrorData | undefined> {
  const { link, timeoutMs } = input
  if (!link.lost) return undefined
  const event = await link.retakeLock({ timeoutMs })
  if (event === null || event.kind === 'lock-retaken') return undefined
  return event.kind === 'lock-lost' ? event.by.data : event.error
}

/**
 * Journals the restore as `skipped`: the remote lock went to `busy.detail` while the connection
 * was down, so the device is theirs and nothing of `left` is put back. Resolves with the text.
 */
async function skipRestore(input: RestoreInput, busy: LabErrorData, left: string): Promise<string> {
  const owner = busy.detail ?? busy.message
  const message =
    `restore skipped: the remote lock of ${busy.device ?? 'the device'} on ${input.target} was ` +
    `taken by ${owner} while the SSH connection was down; the device belongs to them now; ` +
    `not restored: ${left}`
  const finding: Finding = { severity: 'error', invariant: 'lock-lost', message, step: 'restore' }
  const now = input.link.ports.clock.now()
  await journalStep(input, 'restore', now, emptyAttempt(), [finding], 'skipped')
  return message
}

/** A fresh snapshot, waiting out a lost connection (`HostLink.read`); the error when it stays lost. */
async function readHost(input: RestoreInput): Promise<HostSnapshot | LabErrorData> {
  try {
    return await input.link.read({ timeoutMs: input.timeoutMs })
  } catch (err) {
    if (!isConnectionLossError(err)) throw err
    return toErrorData(err)
  }
}

/** Runs one restore operation; a connection lost before it could plan is its error too. */
async function restoreOnce(input: RestoreInput, request: OperationRequest): Promise<Attempt> {
  try {
    const { result } = await runOperation(input.link.ports, request, {
      timeoutMs: input.timeoutMs,
      target: input.target,
    })
    return {
      records: result.commands,
      returnedMs: result.timings.returnedMs,
      observedMs: result.timings.observedMs,
      ...(result.status === 'ok'
        ? {}
        : { error: result.error ?? { code: 'internal', message: result.status } }),
    }
  } catch (err) {
    if (!isConnectionLossError(err)) throw err
    return { ...emptyAttempt(), error: toErrorData(err) }
  }
}

function emptyAttempt(): Attempt {
  return { records: [], returnedMs: null, observedMs: null }
}

function lostFinding(input: RestoreInput, step: string, detail: string): Finding {
  return {
    severity: 'error',
    invariant: 'connection-lost',
    message: `SSH connection lost during step "${step}" (${input.target}): ${detail}`,
    step,
  }
}

/** Journals one restore step and pushes its progress. */
async function journalStep(
  input: RestoreInput,
  name: string,
  startedMs: number,
  attempt: Attempt,
  findings: Finding[],
  status?: StepRecord['status'],
): Promise<void> {
  const { ports } = input.link
  const step: StepRecord = {
    name,
    status: status ?? (findings.some((f) => f.severity === 'error') ? 'error' : 'passed'),
    durationMs: ports.clock.now() - startedMs,
    startedAt: new Date(startedMs).toISOString(),
    commands: attempt.records.map((c) => c.command),
    returnedMs: attempt.returnedMs,
    observedMs: attempt.observedMs,
  }
  await input.journal.append({ t: 'step', step, records: attempt.records, findings, restore: true })
  input.onProgress?.({
    runId: input.runId,
    hostId: ports.hostId,
    iteration: input.iterations,
    iterations: input.iterations,
    step,
    findings,
    status: 'running',
  })
}
