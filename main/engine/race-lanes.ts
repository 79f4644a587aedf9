import type { CommandRecord, Finding } from '../../contract'
import type { FindingPlace } from './invariants'
import type { DroppingCommand } from './operations'
import type { CommandRunner } from './ports'
import { execRecord } from './run-operation'

/**
 * Runs command lanes concurrently, each lane in order, pushing every command's record into
 * `records` as it finishes (so a caller that catches a rejection still has what ran). Non-zero
 * exits are results, not errors: EBUSY is the point of a race. Each command carries the drop
 * reason of the request it came from. Rejects with the runner's error (a lost connection, abort).
 */
export async function runLanes(
  runner: CommandRunner,
  lanes: readonly (readonly DroppingCommand[])[],
  records: CommandRecord[],
  timeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    lanes.map(async (lane) => {
      for (const { command, drop } of lane) {
        records.push(await execRecord(runner, command, timeoutMs, signal, drop))
      }
    }),
  )
}

/** One `info` finding per command of a race that exited non-zero (noted, never a failure). */
export function raceNotes(records: readonly CommandRecord[], place: FindingPlace): Finding[] {
  return records
    .filter((r) => r.code !== 0)
    .map((r) => ({
      severity: 'info',
      invariant: 'race',
      message: `${r.command} exited ${r.code}: ${r.stderr.trim()}`,
      step: place.step,
      ...(place.iteration === undefined ? {} : { iteration: place.iteration }),
    }))
}
