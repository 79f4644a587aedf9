import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef, useState } from 'react'

import type { DrillInfo, DrillProgress } from '../../../contract/drills'
import { keys } from '../../api/keys'
import { lab } from '../../api/lab'
import { call } from '../../api/unwrap'

import { noticeText, shouldNotify, type Notice, type Viewing } from './drill-notice'
import './notify.css'

/** How long a notice stays unless the user acts on it, ms. */
const NOTICE_MS = 60_000

/**
 * In-app notifications of drills that finished while the user looked elsewhere, with "Open run";
 * and a system notification too when the page is hidden and the user allowed them (asked only
 * from the notice's own button, never on load).
 */
export function Notifications({
  viewing,
  onOpenRun,
}: {
  viewing: Viewing
  onOpenRun: (hostId: string, runId: string) => void
}) {
  const qc = useQueryClient()
  const [notices, setNotices] = useState<Notice[]>([])
  const seen = useRef(new Set<string>())
  const view = useRef(viewing)
  const open = useRef(onOpenRun)
  useEffect(() => {
    view.current = viewing
    open.current = onOpenRun
  })
  useEffect(
    () =>
      lab().events.drillProgress((p) => {
        if (p.status === 'running' || seen.current.has(p.runId)) return
        seen.current.add(p.runId)
        if (!shouldNotify(p, view.current, document.hidden)) return
        void titleOf(qc, p).then((title) => {
          const notice: Notice = {
            id: p.runId,
            hostId: p.hostId,
            runId: p.runId,
            status: p.status,
            text: noticeText(title, p),
            at: Date.now(),
          }
          setNotices((n) => [...n.filter((x) => x.id !== notice.id), notice])
          systemNotification(notice, () => open.current(notice.hostId, notice.runId))
        })
      }),
    [qc],
  )
  useEffect(() => {
    if (notices.length === 0) return
    const t = setTimeout(
      () => setNotices((n) => n.filter((x) => Date.now() - x.at < NOTICE_MS)),
      NOTICE_MS,
    )
    return () => clearTimeout(t)
  }, [notices])
  const dismiss = (id: string) => setNotices((n) => n.filter((x) => x.id !== id))
  return (
    <section className="notifications" aria-label="Notifications" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem
          key={n.id}
          notice={n}
          onOpen={() => {
            dismiss(n.id)
            onOpenRun(n.hostId, n.runId)
          }}
          onDismiss={() => dismiss(n.id)}
        />
      ))}
    </section>
  )
}

function NoticeItem({
  notice: n,
  onOpen,
  onDismiss,
}: {
  notice: Notice
  onOpen: () => void
  onDismiss: () => void
}) {
  return (
    <div role="status" className={`notice notice-${n.status}`}>
      <span>{n.text}.</span>
      <button type="button" className="small-button" onClick={onOpen}>
        Open run
      </button>
      {'Notification' in window && Notification.permission === 'default' && (
        <button
          type="button"
          className="link-button small"
          onClick={() => void Notification.requestPermission()}
        >
          Also notify on the desktop
        </button>
      )}
      <button type="button" className="icon-button" aria-label="Dismiss" onClick={onDismiss}>
        ×
      </button>
    </div>
  )
}

/** The drill's title for the sentence (its kind when the list cannot be read). */
async function titleOf(qc: ReturnType<typeof useQueryClient>, p: DrillProgress): Promise<string> {
  try {
    const report = await call(lab().drills.report({ runId: p.runId }))
    const list = await qc.fetchQuery({
      queryKey: keys.drillList(p.hostId),
      queryFn: () => call(lab().drills.list({ hostId: p.hostId })),
      staleTime: 60_000,
    })
    return (list as DrillInfo[]).find((d) => d.kind === report.drill)?.title ?? report.drill
  } catch {
    return p.runId
  }
}

/** A system notification, only when permitted and the page is not in front. */
function systemNotification(n: Notice, open: () => void): void {
  if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden)
    return
  const sys = new Notification('replab', { body: n.text, tag: n.id })
  sys.onclick = () => {
    window.focus()
    open()
  }
}
