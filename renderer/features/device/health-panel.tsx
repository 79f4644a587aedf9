import type { Device, HealthReporter } from '../../../contract/snapshot'
import type { OperationRequest } from '../../../contract/operations'
import { Badge } from '../../ui/badge'
import { useHostGate, useOperation } from '../ops/op-context'

import { portLabel } from './port-names'

type ReporterName = Extract<OperationRequest, { op: 'health' }>['reporter']

function autoText(r: HealthReporter): string {
  const on = [r.autoRecover && 'recover', r.autoDump && 'dump'].filter(Boolean)
  return on.length ? on.join(' + ') : 'off'
}

/** `fw_fatal`, or a per-port reporter named by its port's flavour: `tx (uplink p0)`. */
export function reporterLabel(r: HealthReporter, device: Device): string {
  if (r.port === undefined) return r.reporter
  const port = device.ports.find((p) => p.index === r.port)
  return `${r.reporter} (${port ? portLabel(port) : `port ${r.port}`})`
}

/** True when the device's `fw_fatal` reporter is in error (docs/domain.md §2.4). */
export function fatalReporter(device: Device): HealthReporter | undefined {
  return device.health.find((r) => r.reporter === 'fw_fatal' && r.state !== 'healthy')
}

/** Fatal firmware error banner that opens the reporter's dump. */
export function FatalBanner({ device }: { device: Device }) {
  const gate = useHostGate()
  const start = useOperation()
  const fatal = fatalReporter(device)
  if (!fatal) return null
  return (
    <div role="alert" className="banner banner-bad">
      <strong>Fatal firmware error</strong> on <span className="mono">{device.handle}</span>:
      fw_fatal {fatal.state}, {fatal.error} errors, {fatal.recover} recoveries
      {fatal.lastDump ? `, last dump ${fatal.lastDump}` : ''}.{' '}
      <button
        type="button"
        className="link-button"
        disabled={!gate.connected}
        onClick={() =>
          start({
            hostId: gate.hostId,
            title: `Dump fw_fatal of ${device.handle}`,
            request: { op: 'health', device: device.handle, reporter: 'fw_fatal', action: 'dump' },
          })
        }
      >
        Open fw_fatal dump
      </button>
    </div>
  )
}

/** Health reporters with state and counters, and recover/diagnose/dump per reporter. */
export function HealthPanel({ device }: { device: Device }) {
  const gate = useHostGate()
  const start = useOperation()
  const act = (r: HealthReporter, action: 'recover' | 'diagnose' | 'dump') =>
    start({
      hostId: gate.hostId,
      title: `Health ${action} ${reporterLabel(r, device)} on ${device.handle}`,
      request: {
        op: 'health',
        device: device.handle,
        reporter: r.reporter as ReporterName,
        action,
        ...(r.port !== undefined ? { port: r.port } : {}),
      },
    })
  return (
    <section className="panel health" aria-label={`Health ${device.handle}`}>
      <h3>Health reporters</h3>
      {device.health.length === 0 ? (
        <p className="muted">No health reporters.</p>
      ) : (
        <div className="table-scroll">
          <table className="grid compact" aria-label="Health reporters">
            <thead>
              <tr>
                <th scope="col">Reporter</th>
                <th scope="col">State</th>
                <th scope="col">Errors</th>
                <th scope="col">Recovers</th>
                <th scope="col">Auto</th>
                <th scope="col">Last dump</th>
                <th scope="col" className="sticky-actions">
                  Actions
                </th>
              </tr>
            </thead>
            <tbody>
              {device.health.map((r) => (
                <ReporterRow
                  key={reporterLabel(r, device)}
                  label={reporterLabel(r, device)}
                  r={r}
                  gate={gate}
                  act={act}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function ReporterRow({
  r,
  label,
  gate,
  act,
}: {
  r: HealthReporter
  label: string
  gate: { blocked: string | null; readBlocked: string | null }
  act: (r: HealthReporter, action: 'recover' | 'diagnose' | 'dump') => void
}) {
  // Diagnose and dump only read: read-only mode leaves them enabled.
  const reason = (a: string) => (a === 'recover' ? gate.blocked : gate.readBlocked)
  return (
    <tr>
      <td className="mono">{label}</td>
      <td>
        <Badge tone={r.state === 'healthy' ? 'ok' : 'bad'}>{r.state}</Badge>
      </td>
      <td className="num">{r.error}</td>
      <td className="num">{r.recover}</td>
      <td className="small">{autoText(r)}</td>
      <td className="mono small">{r.lastDump ?? '—'}</td>
      <td className="row-actions sticky-actions">
        {(['diagnose', 'dump', 'recover'] as const).map((a) => (
          <button
            key={a}
            type="button"
            className="small-button"
            disabled={reason(a) !== null}
            title={reason(a) ?? undefined}
            aria-label={`${a[0]!.toUpperCase()}${a.slice(1)} ${label}`}
            onClick={() => act(r, a)}
          >
            {a[0]!.toUpperCase()}
            {a.slice(1)}
          </button>
        ))}
      </td>
    </tr>
  )
}
