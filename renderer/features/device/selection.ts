import { useCallback, useSyncExternalStore } from 'react'

import type { Device, HostSnapshot } from '../../../contract/snapshot'

/**
 * The device the user is looking at, per host. It lives outside the views (and in
 * localStorage), so switching tabs, reconnecting or reloading the page keeps it; only the user
 * changes it. A handle that left the snapshot (unbound, reloading, host down) stays selected and
 * is shown as absent: the view never moves to another device by itself (issue 18).
 */

const KEY = 'replab.selectedDevice.'
const chosen = new Map<string, string>()
const listeners = new Set<() => void>()

function read(hostId: string): string | null {
  if (!chosen.has(hostId)) {
    try {
      const stored = window.localStorage.getItem(KEY + hostId)
      if (stored) chosen.set(hostId, stored)
    } catch {
      // storage unavailable: in-memory only
    }
  }
  return chosen.get(hostId) ?? null
}

/** Records the user's choice (or the first device shown, so later snapshots cannot move it). */
export function selectDevice(hostId: string, handle: string): void {
  if (chosen.get(hostId) === handle) return
  chosen.set(hostId, handle)
  try {
    window.localStorage.setItem(KEY + hostId, handle)
  } catch {
    // storage unavailable: in-memory only
  }
  for (const l of [...listeners]) l()
}

function subscribe(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** What the detail pane shows: the selected device, or its handle when the snapshot lacks it. */
export type Shown = { handle: string; device: Device | null } | null

/**
 * Pure: the selected handle resolved against a snapshot. With no choice yet, the first device;
 * with a choice the snapshot lacks, that handle with `device: null` (absent).
 */
export function resolveShown(selected: string | null, snap: HostSnapshot | undefined): Shown {
  if (selected !== null) {
    return { handle: selected, device: snap?.devices.find((d) => d.handle === selected) ?? null }
  }
  const first = snap?.devices[0]
  return first ? { handle: first.handle, device: first } : null
}

/** The host's selected handle and the setter; the first device shown becomes the choice. */
export function useSelectedDevice(
  hostId: string,
  snap: HostSnapshot | undefined,
): { shown: Shown; select: (handle: string) => void } {
  const selected = useSyncExternalStore(subscribe, () => read(hostId))
  const shown = resolveShown(selected, snap)
  if (selected === null && shown) queueMicrotask(() => selectDevice(hostId, shown.handle))
  const select = useCallback((handle: string) => selectDevice(hostId, handle), [hostId])
  return { shown, select }
}
