import { useQuery } from '@tanstack/react-query'

import type { HostView as HostViewData } from '../../../contract/hosts'
import { snapshotOptions } from '../../api/keys'
import { useConnectHost, useRefreshSnapshot, useSetReadOnly } from '../../api/mutations'
import { Badge, connectionTone } from '../../ui/badge'
import { ErrorText } from '../../ui/error-text'
import { AbsentDevice, DeviceDetail, DeviceNav } from '../device/device-view'
import { useSelectedDevice } from '../device/selection'
import { HostActions } from '../hosts/host-actions'
import { connectionBadge, connectionText, hostLabel } from '../hosts/host-groups'
import { HostGateProvider } from '../ops/op-context'

import { StaleBanner } from './stale-banner'

/** Header of a host: identity, connection state with reason, connect, read-only, refresh. */
export function HostHeader({ host }: { host: HostViewData }) {
  const connect = useConnectHost()
  const readOnly = useSetReadOnly()
  const refresh = useRefreshSnapshot()
  const c = host.connection
  const ready = c.state === 'ready'
  const id = host.config.id
  return (
    <header className="host-head">
      <div>
        <h1>{host.config.name}</h1>
        <span className="mono small">
          {hostLabel(host)}
          {host.config.proxyJump ? ` via ${host.config.proxyJump}` : ''}
        </span>
      </div>
      <Badge tone={connectionTone(c.state)} title={connectionText(c)}>
        {connectionBadge(c)}
      </Badge>
      {c.state === 'failed' && (
        <p role="alert" className="error-text">
          Cannot connect to {host.config.host}:{host.config.port} as {host.config.user}: {c.reason}{' '}
          ({c.code})
        </p>
      )}
      <div className="spacer-flex" />
      {host.config.readOnly && (
        <span className="readonly-flag" role="status">
          READ-ONLY — controls disabled
        </span>
      )}
      <label className="toggle">
        <input
          type="checkbox"
          checked={host.config.readOnly}
          disabled={readOnly.isPending}
          onChange={(e) => readOnly.mutate({ hostId: id, readOnly: e.target.checked })}
        />
        Read-only
      </label>
      <button
        type="button"
        disabled={!ready || refresh.isPending}
        onClick={() => refresh.mutate(id)}
      >
        Refresh
      </button>
      <button
        type="button"
        className={ready ? undefined : 'primary'}
        disabled={connect.isPending || c.state === 'connecting'}
        onClick={() =>
          connect.mutate({ hostId: id, connect: !ready && c.state !== 'reconnecting' })
        }
      >
        {ready || c.state === 'reconnecting' ? 'Disconnect' : 'Connect'}
      </button>
      <HostActions host={host} />
      {/* A failed connect is already the alert above: say it once. */}
      {c.state !== 'failed' && (
        <ErrorText error={connect.error} prefix={`Connect ${hostLabel(host)}`} />
      )}
      <ErrorText error={readOnly.error} />
      <ErrorText error={refresh.error} prefix="Refresh" />
    </header>
  )
}

/**
 * The host view: header, then the cards → PFs strip and the selected device's detail. The
 * selection is the user's (selection.ts): unbind, reload, reconnect or another tab never move
 * it; a stale snapshot says so (stale-banner.tsx).
 */
export function HostView({ host }: { host: HostViewData }) {
  const id = host.config.id
  const ready = host.connection.state === 'ready'
  const snap = useQuery(snapshotOptions(id, ready))
  const data = snap.data
  const { shown, select } = useSelectedDevice(id, data)
  return (
    <HostGateProvider gate={{ hostId: id, readOnly: host.config.readOnly, connected: ready }}>
      <section
        className={`host-view ${host.config.readOnly ? 'is-readonly' : ''}`}
        aria-label={`Host ${host.config.name}`}
      >
        <HostHeader host={host} />
        {!ready && !data && <p className="muted pad">Connect to discover devices.</p>}
        {ready && snap.isPending && <p className="muted pad">Discovering {host.config.name}…</p>}
        <ErrorText error={snap.error} prefix={`Discovery of ${hostLabel(host)}`} />
        <StaleBanner host={host} snap={data} />
        {data && (
          <>
            <p className="host-facts small muted">
              kernel <span className="mono">{data.host.kernel}</span> · mlx5_core{' '}
              {data.host.modules.mlx5_core ? 'loaded' : 'unloaded'} · mlx5_ib{' '}
              {data.host.modules.mlx5_ib ? 'loaded' : 'unloaded'} · snapshot{' '}
              {new Date(data.takenAt).toLocaleTimeString()}
              {data.stats
                ? ` · ${data.stats.roundTrips} round trips, ${Math.round(data.stats.durationMs)} ms`
                : ''}
            </p>
            {(data.errors ?? []).map((e, i) => (
              <p key={i} role="alert" className="banner banner-warn">
                Could not parse <span className="mono">{e.command}</span> on {e.host}: {e.message}
              </p>
            ))}
            <div className="host-body">
              <DeviceNav snap={data} selected={shown?.handle ?? null} onSelect={select} />
              {shown?.device ? (
                <DeviceDetail hostId={id} device={shown.device} snap={data} />
              ) : shown ? (
                <AbsentDevice handle={shown.handle} takenAt={data.takenAt} />
              ) : (
                <p className="muted">No devlink devices found.</p>
              )}
            </div>
          </>
        )}
      </section>
    </HostGateProvider>
  )
}
