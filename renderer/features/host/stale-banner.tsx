import { useEffect, useRef } from 'react'

import type { HostView } from '../../../contract/hosts'
import type { HostSnapshot } from '../../../contract/snapshot'
import { useSocket } from '../../api/socket-context'
import { useConnectHost, useRefreshSnapshot } from '../../api/mutations'
import { ErrorText } from '../../ui/error-text'

/**
 * Says when the view is built from a snapshot that can no longer be current: the host's SSH
 * connection is down (reconnecting, failed, disconnected) or the console server is unreachable.
 * During a backoff it offers "Retry now". When the host is back it re-reads the host, so the
 * view does not keep what it saw before the drop.
 */
export function StaleBanner({ host, snap }: { host: HostView; snap: HostSnapshot | undefined }) {
  const socket = useSocket()
  const connect = useConnectHost()
  const refresh = useRefreshSnapshot()
  const c = host.connection
  const id = host.config.id
  const wasDown = useRef(false)
  const { mutate: refreshNow } = refresh
  useEffect(() => {
    if (c.state !== 'ready') wasDown.current = true
    else if (wasDown.current) {
      wasDown.current = false
      refreshNow(id)
    }
  }, [c.state, id, refreshNow])
  if (!snap) return null
  const taken = new Date(snap.takenAt).toLocaleTimeString()
  let why: string | null = null
  let retry: (() => void) | null = null
  let retryLabel = 'Retry now'
  if (socket.state.state !== 'open') {
    why =
      socket.state.state === 'closed'
        ? `the console server is unreachable (${socket.state.reason}); retrying in ${Math.ceil(socket.state.retryInMs / 1000)} s`
        : 'reconnecting to the console server…'
    if (socket.state.state === 'closed') retry = socket.retryNow
  } else if (c.state === 'reconnecting') {
    why = `the connection to ${host.config.name} was lost (${c.reason}); reconnecting in ${Math.round(c.inMs / 1000)} s (attempt ${c.attempt})`
    retry = () => connect.mutate({ hostId: id, connect: true })
  } else if (c.state === 'connecting') {
    why = `reconnecting to ${host.config.name} (attempt ${c.attempt})…`
  } else if (c.state === 'failed') {
    why = `the connection to ${host.config.name} failed`
    retry = () => connect.mutate({ hostId: id, connect: true })
    retryLabel = 'Reconnect'
  } else if (c.state === 'idle') {
    why = `${host.config.name} is disconnected`
  }
  if (why === null) return null
  return (
    <div role="alert" aria-label="Stale snapshot" className="banner banner-warn stale-banner">
      <strong>Stale:</strong> this view shows the snapshot taken at {taken}; {why}. Controls act on
      the live host once it is back.{' '}
      {retry && (
        <button type="button" className="small-button" onClick={retry} disabled={connect.isPending}>
          {retryLabel}
        </button>
      )}
      <ErrorText error={connect.error} prefix="Retry" />
    </div>
  )
}
