import { join } from 'node:path'

import { labError, type TerminalOpenRequest } from '../../contract'
import { enforceLogBudget, HOST_LOG_BUDGET_BYTES } from './log-budget'
import { SessionLog } from './session-log'

/**
 * What one page and one host may hold of terminal resources: panes per session (a page cannot
 * open files and channels without end), and the session logs of one host (unique file names,
 * each rotated on its own, all of them under one total budget).
 */

/** Most panes one session (one window or one socket) may have open or opening at once. */
export const MAX_PANES_PER_SESSION = 32

/** Resource limits of a TerminalManager (defaults in parentheses). */
export interface TerminalLimits {
  /** Panes per session (`MAX_PANES_PER_SESSION`, 32); one more is `limit-exceeded`. */
  readonly panesPerSession?: number
  /** One pane's log file before it rotates, bytes (64 MiB); 3 rotations are kept. */
  readonly logFileBytes?: number
  /** All logs of one host together, bytes (`HOST_LOG_BUDGET_BYTES`, 1 GiB). */
  readonly hostLogBytes?: number
}

/** Counts each session's panes, open and opening, against the cap. */
export class PaneCap {
  private readonly opening = new Map<string, number>()

  constructor(private readonly cap = MAX_PANES_PER_SESSION) {}

  /**
   * Runs `open` as one more pane of `sessionId`, which has `open` panes now. Rejects
   * `limit-exceeded` (naming the cap) when that would pass it; counts the pane while it opens.
   */
  async admit<T>(sessionId: string, openNow: number, open: () => Promise<T>): Promise<T> {
    const pending = this.opening.get(sessionId) ?? 0
    if (openNow + pending >= this.cap)
      throw labError(
        'limit-exceeded',
        `this page already has ${this.cap} terminal panes open, the most one page ` +
          `(window or socket) may hold; close one first`,
      )
    this.opening.set(sessionId, pending + 1)
    try {
      return await open()
    } finally {
      const n = (this.opening.get(sessionId) ?? 1) - 1
      if (n > 0) this.opening.set(sessionId, n)
      else this.opening.delete(sessionId)
    }
  }
}

/** The session logs of every host under `logDir`, and the ones being written. */
export class PaneLogs {
  private readonly active = new Set<string>()
  /** The last budget pass per host directory: passes run one after another, never at once. */
  private readonly passes = new Map<string, Promise<unknown>>()

  constructor(
    private readonly logDir: string,
    private readonly limits: TerminalLimits = {},
  ) {}

  /**
   * Opens a pane's log, `<logDir>/<host>/<kind>-<ISO time>-<stream id>.log` (unique even for
   * panes opened in the same millisecond), after the host's older logs were cut to its budget;
   * the budget is enforced again at every rotation.
   */
  async open(request: TerminalOpenRequest, streamId: string): Promise<SessionLog> {
    const dir = join(this.logDir, request.hostId)
    const budget = this.limits.hostLogBytes ?? HOST_LOG_BUDGET_BYTES
    const enforce = (): Promise<unknown> => {
      // Two passes listing the directory at once would each delete for the same excess.
      const run = (this.passes.get(dir) ?? Promise.resolve()).then(() =>
        enforceLogBudget(dir, budget, this.active),
      )
      this.passes.set(dir, run)
      return run
    }
    await enforce()
    const stamp = new Date().toISOString().replace(/[:.]/g, '-')
    const log = new SessionLog(
      join(dir, `${request.kind}-${stamp}-${streamId}.log`),
      (err) =>
        console.error(
          `replab: session log for ${request.hostId} ${request.kind} stopped: ${err.message}`,
        ),
      this.limits.logFileBytes,
      undefined,
      () => void enforce(),
    )
    await log.open()
    this.active.add(log.path)
    return log
  }

  /** Closes a pane's log; it may then be deleted by the budget like any older file. */
  async close(log: SessionLog): Promise<void> {
    await log.close()
    this.active.delete(log.path)
  }
}
