import { useQueryClient } from '@tanstack/react-query'
import { useEffect } from 'react'

import {
  onDrillProgress,
  onHostKeyPrompt,
  onHostsChanged,
  onOpProgress,
  onSnapshotChanged,
} from './cache-updates'
import { onBroadcastHost } from './broadcast'
import { lab } from './lab'

/**
 * Subscribes to every push event once and writes it into the query cache (the single place
 * where events meet state). Terminal bytes are not handled here: each pane subscribes itself
 * and writes straight into xterm.
 */
export function useLabEvents(): void {
  const qc = useQueryClient()
  useEffect(() => {
    const ev = lab().events
    const offs = [
      ev.hostsChanged((hosts) => onHostsChanged(qc, hosts)),
      ev.snapshotChanged((p) => onSnapshotChanged(qc, p)),
      ev.hostKeyPrompt((p) => onHostKeyPrompt(qc, p)),
      ev.opProgress((p) => onOpProgress(qc, p)),
      ev.drillProgress((p) => onDrillProgress(qc, p)),
      ev.broadcastHost((r) => onBroadcastHost(qc, r)),
    ]
    return () => offs.forEach((off) => off())
  }, [qc])
}
