import type { Device, HostSnapshot } from '../../../contract/snapshot'
import type { OperationRequest } from '../../../contract/operations'
import { useHostGate, useOperation } from '../ops/op-context'

import { busDevice, needsDevlink, needsDriver } from './driver-gate'

/**
 * Device-level lifecycle controls: PF unbind/bind, devlink reload, crdump, firmware tracer.
 * Each button says why it is disabled (read-only host, not connected, no driver bound); crdump
 * only reads, so read-only mode leaves it enabled.
 */
export function DeviceControls({ device, snap }: { device: Device; snap: HostSnapshot }) {
  const gate = useHostGate()
  const start = useOperation()
  const bus = busDevice(device)
  const bound = device.driver !== null
  const tracer = snap.tracer
  const op = (title: string, request: OperationRequest) =>
    start({ hostId: gate.hostId, title, request })
  const reloadWhy =
    gate.blocked ?? needsDriver(device, 'Devlink reload') ?? needsDevlink(device, 'Devlink reload')
  const crdumpWhy =
    gate.readBlocked ??
    needsDriver(device, 'A crdump') ??
    needsDevlink(device, 'A crdump') ??
    (device.crdump ? null : `${device.handle} offers no crdump (no fw_fatal reporter)`)
  const reasons = [...new Set([gate.blocked, !bound ? reloadWhy : null].filter(Boolean))]
  return (
    <section className="panel controls" aria-label={`Controls ${device.handle}`}>
      <h3>Controls</h3>
      <div className="button-row">
        {bus && (
          <button
            type="button"
            className={bound ? undefined : 'primary'}
            disabled={gate.blocked !== null}
            title={gate.blocked ?? undefined}
            onClick={() =>
              op(
                `${bound ? 'Unbind' : 'Bind'} PF ${bus}`,
                bound ? { op: 'unbind', device: bus } : { op: 'bind', device: bus },
              )
            }
          >
            {bound ? 'Unbind PF' : 'Bind PF'}
          </button>
        )}
        <button
          type="button"
          disabled={reloadWhy !== null}
          title={reloadWhy ?? undefined}
          onClick={() =>
            op(`Devlink reload ${device.handle}`, {
              op: 'devlink-reload',
              device: device.handle,
              action: 'driver_reinit',
            })
          }
        >
          Devlink reload
        </button>
        <button
          type="button"
          disabled={crdumpWhy !== null}
          title={crdumpWhy ?? 'Reads only: allowed in read-only mode'}
          onClick={() =>
            op(`Collect crdump of ${device.handle}`, {
              op: 'crdump',
              device: device.handle,
              ...(device.crdump ? { source: device.crdump } : {}),
            })
          }
        >
          Collect crdump
        </button>
        {tracer?.path && <TracerButton tracer={tracer} />}
      </div>
      {reasons.map((r) => (
        <p key={r} className="muted small">
          Disabled: {r}.
        </p>
      ))}
    </section>
  )
}

/** The firmware tracer toggle: its text and `aria-pressed` are the host's observed state. */
function TracerButton({ tracer }: { tracer: NonNullable<HostSnapshot['tracer']> }) {
  const gate = useHostGate()
  const start = useOperation()
  return (
    <button
      type="button"
      aria-pressed={tracer.enabled}
      disabled={gate.blocked !== null}
      title={gate.blocked ?? `Firmware tracer is ${tracer.enabled ? 'on' : 'off'} now`}
      onClick={() =>
        start({
          hostId: gate.hostId,
          title: `Turn firmware tracer ${tracer.enabled ? 'off' : 'on'}`,
          request: { op: 'fw-tracer', enable: !tracer.enabled, path: tracer.path ?? undefined },
        })
      }
    >
      {tracer.enabled ? 'Firmware tracer off' : 'Firmware tracer on'}
    </button>
  )
}
