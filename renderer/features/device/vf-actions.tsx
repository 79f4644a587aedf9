import { useOperation, useHostGate } from '../ops/op-context'

import type { RepRow } from './rows'

/** Per-VF controls in a representors row: reset, unbind/bind (by the VF's BDF). */
export function VfActions({ row }: { row: RepRow }) {
  const gate = useHostGate()
  const start = useOperation()
  if (row.vfNumber === null || !row.vfBdf) return null
  const bdf = row.vfBdf
  const vf = `VF ${row.vfNumber} (${bdf})`
  const bound = row.vfDriver !== '' && row.vfDriver !== 'unbound'
  const disabled = gate.blocked !== null
  return (
    <span className="row-actions">
      <button
        type="button"
        className="small-button"
        disabled={disabled}
        title={gate.blocked ?? `echo 1 > /sys/bus/pci/devices/${bdf}/reset`}
        aria-label={`Reset ${vf}`}
        onClick={() =>
          start({ hostId: gate.hostId, request: { op: 'pci-reset', bdf }, title: `Reset ${vf}` })
        }
      >
        Reset
      </button>
      <button
        type="button"
        className="small-button"
        disabled={disabled}
        title={gate.blocked ?? undefined}
        aria-label={`${bound ? 'Unbind' : 'Bind'} ${vf}`}
        onClick={() =>
          start({
            hostId: gate.hostId,
            request: bound ? { op: 'pci-unbind', bdf } : { op: 'pci-bind', bdf },
            title: `${bound ? 'Unbind' : 'Bind'} ${vf}`,
          })
        }
      >
        {bound ? 'Unbind' : 'Bind'}
      </button>
    </span>
  )
}
