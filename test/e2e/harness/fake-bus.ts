/** Event bus and counters of the fake lab (test harness only). */
export type Listener = (payload: never) => void
export const listeners = new Map<string, Set<Listener>>()
export function emit(name: string, payload: unknown): void {
  for (const l of listeners.get(name) ?? []) (l as (p: unknown) => void)(payload)
}

/** Counters tests read through `window.__fakeLab.stats`. */
export const stats = {
  acked: 0,
  ackLines: 0,
  sent: 0,
  interrupts: 0,
  inputs: [] as string[],
  calls: [] as string[],
}
