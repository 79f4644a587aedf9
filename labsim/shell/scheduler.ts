/** Longest stretch (ms) simulated processes run before letting the event loop turn (≈ a CFS slice). */
const SLICE_MS = 4

let sliceStart = 0
let turnMarked = false

/**
 * Time slicing for the simulated processes, which all share one Node event loop.
 *
 * A busy loop of builtins (`while :; do echo …; done`) or a flooding tool (`yes`) whose writes
 * are accepted at once resolves every step in a microtask, so it never lets I/O in: a Ctrl-C, an
 * SSH `signal` request or the client's WINDOW_ADJUST would wait until the channel window is full
 * (seconds at a few bytes per iteration). Call this once per loop step or statement: it answers a
 * promise to await (one macrotask turn, `setImmediate`) once the current slice is used up, and
 * `undefined` otherwise, so the hot path costs no extra microtask hop. The first call in an event
 * loop turn starts a slice, so a command starting after idle time is never delayed.
 */
export function preempt(): Promise<void> | undefined {
  const now = performance.now()
  if (!turnMarked) {
    turnMarked = true
    sliceStart = now
    setImmediate(() => (turnMarked = false))
    return undefined
  }
  if (now - sliceStart < SLICE_MS) return undefined
  return new Promise((resolve) => setImmediate(resolve))
}
