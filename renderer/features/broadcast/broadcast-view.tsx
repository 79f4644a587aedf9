import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { useState } from 'react'

import {
  broadcastsOptions,
  EMPTY_DRAFT,
  startBroadcast,
  type BroadcastDraft,
} from '../../api/broadcast'
import { hostsOptions, keys } from '../../api/keys'

import './broadcast.css'
import { BroadcastConfirm } from './broadcast-confirm'
import { BroadcastForm, chosenHosts } from './broadcast-form'
import { BroadcastGrid } from './broadcast-grid'

/**
 * Broadcast (issue 18): type a command once, choose the hosts explicitly, confirm the exact
 * command and the set, then watch a per-host grid fill as each host finishes. No keystroke
 * mirroring; read-only hosts cannot be chosen (and the back end refuses them too).
 */
export function BroadcastView() {
  const qc = useQueryClient()
  const hosts = useQuery(hostsOptions()).data ?? []
  // Local state keeps the controlled inputs synchronous; the cache keeps the draft across visits.
  const [draft, setDraftState] = useState<BroadcastDraft>(
    () => qc.getQueryData<BroadcastDraft>(keys.broadcastDraft()) ?? EMPTY_DRAFT,
  )
  const runs = useQuery(broadcastsOptions()).data ?? []
  const [confirming, setConfirming] = useState(false)
  const setDraft = (d: BroadcastDraft) => {
    setDraftState(d)
    qc.setQueryData(keys.broadcastDraft(), d)
  }
  const chosen = chosenHosts(draft, hosts)
  const send = useMutation({
    mutationFn: () =>
      startBroadcast(qc, {
        hostIds: chosen.map((h) => h.config.id),
        command: draft.command,
        timeoutMs: Math.round(draft.timeoutS * 1000),
      }),
    onSuccess: () => setConfirming(false),
  })
  const latest = runs[0]
  return (
    <section className="panel broadcast" aria-label="Broadcast">
      <header className="row">
        <h3>Broadcast</h3>
        <span className="small muted">
          One command, run once on each chosen host (an SSH exec, not mirrored keystrokes). You see
          the exact command and the hosts before anything is sent; every run is audited.
        </span>
      </header>
      <BroadcastForm
        hosts={hosts}
        draft={draft}
        onChange={setDraft}
        onReview={() => {
          send.reset()
          setConfirming(true)
        }}
      />
      {confirming && (
        <BroadcastConfirm
          command={draft.command}
          hosts={chosen}
          timeoutS={draft.timeoutS}
          sending={send.isPending}
          error={send.error}
          onRun={() => send.mutate()}
          onCancel={() => setConfirming(false)}
        />
      )}
      {latest && <BroadcastGrid key={latest.broadcastId} run={latest} hosts={hosts} />}
    </section>
  )
}
