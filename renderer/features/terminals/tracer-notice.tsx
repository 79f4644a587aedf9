import { useQuery } from '@tanstack/react-query'

import { snapshotOptions } from '../../api/keys'
import { useHostGate, useOperation } from '../ops/op-context'

/**
 * Shown above a firmware trace pane while the host's firmware tracer is off, with the button
 * that turns it on (the `fw-tracer` operation, confirmed like every operation).
 */
export function TracerOffNotice({ hostId }: { hostId: string }) {
  const gate = useHostGate()
  const start = useOperation()
  const snap = useQuery(snapshotOptions(hostId, gate.connected))
  const tracer = snap.data?.tracer
  if (!tracer || tracer.enabled) return null
  return (
    <div className="banner banner-warn" role="status">
      Firmware tracer is off{tracer.path ? '' : ' (no tracer found on this kernel)'}.{' '}
      {tracer.path && (
        <button
          type="button"
          className="link-button"
          disabled={gate.blocked !== null}
          title={gate.blocked ?? undefined}
          onClick={() =>
            start({
              hostId,
              title: 'Enable firmware tracer',
              request: { op: 'fw-tracer', enable: true, path: tracer.path ?? undefined },
            })
          }
        >
          Enable firmware tracer
        </button>
      )}
    </div>
  )
}
