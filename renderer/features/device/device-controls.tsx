import type { Device, HostSnapshot } from '../../../contract/snapshot'
import type { OperationRequest } from '../../../contract/operations'
import { useHostGate, useOperation } from '../ops/op-context'

/** Device-level lifecycle controls: PF unbind/bind, devlink reload, crdump, firmware tracer. */
export function DeviceControls({ device, snap }: { device: Device; snap: HostSnapshot }) {
  const gate = useHostGate()
  const start = useOperation()
  const bdf = device.pci?.bdf
  const bound = device.driver !== null
  const tracer = snap.tracer
  const op = (title: string, request: OperationRequest) =>
    start({ hostId: gate.hostId, title, request })
  return (
    <section className="panel controls" aria-label={`Controls ${device.handle}`}>
      <h3>Controls</h3>
      <fieldset
        className="button-row"
        disabled={gate.blocked !== null}
        title={gate.blocked ?? undefined}
      >
        <legend className="sr-only">Device controls</legend>
        {bdf && (
          <button
            type="button"
            onClick={() =>
              op(
                `${bound ? 'Unbind' : 'Bind'} PF ${bdf}`,
                bound ? { op: 'pci-unbind', bdf } : { op: 'pci-bind', bdf, driver: 'mlx5_core' },
              )
            }
          >
            {bound ? 'Unbind PF' : 'Bind PF'}
          </button>
        )}
        <button
          type="button"
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
        {tracer && tracer.path && (
          <button
            type="button"
            aria-pressed={tracer.enabled}
            onClick={() =>
              op(`Turn firmware tracer ${tracer.enabled ? 'off' : 'on'}`, {
                op: 'fw-tracer',
                enable: !tracer.enabled,
                path: tracer.path ?? undefined,
              })
            }
          >
            {tracer.enabled ? 'Firmware tracer off' : 'Firmware tracer on'}
          </button>
        )}
      </fieldset>
      {gate.blocked && <p className="muted small">Controls disabled: {gate.blocked}.</p>}
    </section>
  )
}
