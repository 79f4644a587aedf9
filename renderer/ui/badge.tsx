import type { ReactNode } from 'react'

/** Semantic tone of a state: always shown with a text label, never colour alone. */
export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'idle'

/** A small state label: coloured dot + text. */
export function Badge({
  tone,
  children,
  title,
}: {
  tone: Tone
  children: ReactNode
  title?: string
}) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      <span className="badge-dot" aria-hidden="true" />
      {children}
    </span>
  )
}

/** Tone for a connection state name. */
export function connectionTone(state: string): Tone {
  switch (state) {
    case 'ready':
      return 'ok'
    case 'connecting':
    case 'reconnecting':
      return 'warn'
    case 'failed':
      return 'bad'
    default:
      return 'idle'
  }
}

/** Tone for a drill or operation status. */
export function statusTone(status: string): Tone {
  if (status === 'passed' || status === 'ok') return 'ok'
  if (status === 'running') return 'info'
  if (status === 'aborted' || status === 'interrupted' || status === 'timeout') return 'warn'
  return 'bad'
}
