import { useRef } from 'react'

import type { Device } from '../../../contract/snapshot'
import { useWidth } from '../../ui/use-width'

import type { RepRow } from './rows'
import { layoutTopology, NODE_H, NODE_W, VF_H, type TopoNode } from './topology-model'

function problemText(n: TopoNode): string {
  return n.problem === 'ib-missing' ? 'IB rep missing' : n.problem === 'dangling' ? 'dangling' : ''
}

function RepNode({ n }: { n: TopoNode }) {
  const r = n.row
  const cls = `topo-node ${n.problem ? `topo-${n.problem}` : ''}`
  const cx = n.x + NODE_W / 2
  const label = `${r.flavour} ${r.number} ${r.netdev || 'no netdev'}${n.problem ? `, ${problemText(n)}` : ''}`
  return (
    <g className={cls} role="img" aria-label={label}>
      <line x1={cx} y1={n.y - 12} x2={cx} y2={n.y} className="topo-wire" />
      <rect x={n.x} y={n.y} width={NODE_W} height={NODE_H} rx={4} />
      <text x={n.x + 6} y={n.y + 14} className="topo-title">
        {r.physPortName || r.number} <tspan className="topo-dim">{r.flavour}</tspan>
      </text>
      <text x={n.x + 6} y={n.y + 28} className="topo-mono">
        {r.netdev || '(no netdev)'}
      </text>
      <text
        x={n.x + 6}
        y={n.y + 42}
        className={n.problem ? 'topo-mono topo-alert' : 'topo-mono topo-dim'}
      >
        {n.problem === 'ib-missing'
          ? '⚠ IB rep missing'
          : n.problem === 'dangling'
            ? `⚠ dangling · IB ${r.ibRep}`
            : `IB ${r.ibRep}`}
      </text>
      {r.vfNumber !== null && (
        <g className={`topo-vf ${r.vfDriver === 'unbound' || !r.vfBdf ? 'topo-dangling' : ''}`}>
          <line
            x1={cx}
            y1={n.y + NODE_H}
            x2={cx}
            y2={n.y + NODE_H + 10}
            className="topo-wire dashed"
          />
          <rect x={n.x + 8} y={n.y + NODE_H + 10} width={NODE_W - 16} height={VF_H} rx={3} />
          <text x={n.x + 14} y={n.y + NODE_H + 23} className="topo-mono small">
            {r.vfBdf || 'no VF function'}
          </text>
          <text x={n.x + 14} y={n.y + NODE_H + 35} className="topo-mono small topo-dim">
            {r.vfDriver || 'unbound'}
          </text>
        </g>
      )}
    </g>
  )
}

/** What an E-Switch without representors is, by its true mode (none when there is no E-Switch). */
function emptyText(device: Device): string {
  const mode = device.eswitch?.mode
  if (mode === 'switchdev') return 'No function representors (0 VFs, 0 SFs).'
  if (mode === 'legacy') return 'Legacy mode: VFs attach without representors.'
  if (mode === 'switchdev_inactive') return 'switchdev_inactive: representors not loaded.'
  return device.driver === null
    ? 'Mode none: no driver bound, so no devlink instance and no E-Switch.'
    : 'Mode none: this device has no E-Switch.'
}

/**
 * SVG diagram of one E-Switch: uplink on top, the E-Switch bus, PF/VF/SF representors below it
 * with their IB representor ports and the VF functions with their drivers. Ports with a
 * missing IB representor or dangling state are drawn in the alert style and named in text.
 */
export function Topology({ device, rows }: { device: Device; rows: RepRow[] }) {
  const box = useRef<HTMLElement>(null)
  const width = useWidth(box)
  const layout = layoutTopology(rows, Math.max(3, Math.floor((width - 14) / 142)))
  const busY = 118
  const mode = device.eswitch?.mode ?? 'none'
  return (
    <figure ref={box} className="panel topology" aria-label={`Topology ${device.handle}`}>
      <figcaption>
        <h3>Topology</h3>
        <span className="muted small">
          {layout.problems > 0 ? `${layout.problems} port(s) need attention` : 'no problems seen'}
          {layout.hidden > 0 ? ` · ${layout.hidden} more ports in the table` : ''}
        </span>
      </figcaption>
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        role="img"
        aria-label={`E-Switch topology of ${device.handle}, mode ${mode}, ${rows.length} ports, ${layout.problems} problems`}
        className="topo-svg"
      >
        {layout.uplink && (
          <g
            className={`topo-node topo-uplink ${layout.uplink.problem ? `topo-${layout.uplink.problem}` : ''}`}
          >
            <rect x={layout.uplink.x} y={layout.uplink.y} width={NODE_W} height={NODE_H} rx={4} />
            <text x={layout.uplink.x + 6} y={layout.uplink.y + 14} className="topo-title">
              uplink {layout.uplink.row.physPortName}
            </text>
            <text x={layout.uplink.x + 6} y={layout.uplink.y + 28} className="topo-mono">
              {layout.uplink.row.netdev || '(no netdev)'}
            </text>
            <text
              x={layout.uplink.x + 6}
              y={layout.uplink.y + 42}
              className={
                layout.uplink.row.ibMissing ? 'topo-mono topo-alert' : 'topo-mono topo-dim'
              }
            >
              IB {layout.uplink.row.ibRep}
            </text>
            <line
              x1={layout.width / 2}
              y1={layout.uplink.y + NODE_H}
              x2={layout.width / 2}
              y2={busY - 12}
              className="topo-wire"
            />
          </g>
        )}
        <g className="topo-bus">
          <rect x={8} y={busY - 12} width={layout.width - 16} height={24} rx={4} />
          <text x={16} y={busY + 4} className="topo-title">
            E-Switch {device.handle} · {mode}
          </text>
        </g>
        <Lanes reps={layout.reps} busY={busY + 12} />
        {layout.reps.map((n) => (
          <RepNode key={n.row.key} n={n} />
        ))}
        {layout.reps.length === 0 && (
          <text x={16} y={busY + 50} className="topo-dim">
            {emptyText(device)}
          </text>
        )}
      </svg>
    </figure>
  )
}

/**
 * Wiring from the E-Switch bus to the representors: a trunk on the left, and per grid row a
 * lane above the nodes that each node's stub joins, so wires never cross other nodes.
 */
function Lanes({ reps, busY }: { reps: TopoNode[]; busY: number }) {
  const rows = new Map<number, TopoNode[]>()
  for (const n of reps) rows.set(n.y, [...(rows.get(n.y) ?? []), n])
  const laneYs = [...rows.keys()].map((y) => y - 12)
  const trunkX = 6
  if (laneYs.length === 0) return null
  return (
    <g aria-hidden="true">
      <line x1={trunkX} y1={busY} x2={trunkX} y2={Math.max(...laneYs)} className="topo-wire" />
      {[...rows.entries()].map(([y, nodes]) => {
        const last = nodes.at(-1)
        return last ? (
          <line
            key={y}
            x1={trunkX}
            y1={y - 12}
            x2={last.x + NODE_W / 2}
            y2={y - 12}
            className="topo-wire"
          />
        ) : null
      })}
    </g>
  )
}
