import type { HostSnapshot, Port } from '../../../contract/snapshot'

/**
 * Ports as engineers name them, by devlink flavour (docs/domain.md §1.4, §1.7): the physical
 * port is `uplink p0` (its phys_port_name), function ports `pf0`, `pf0vf3`, `pf0sf88`. The raw
 * port index (`65535`, `(vhca_id << 16) | vport`) is never shown on its own.
 */
export function portLabel(
  p: Pick<Port, 'flavour' | 'index' | 'pfnum' | 'vfnum' | 'sfnum' | 'physPortName'>,
): string {
  const pf = p.pfnum !== undefined ? `pf${p.pfnum}` : ''
  switch (p.flavour) {
    case 'physical':
      return `uplink ${p.physPortName ?? (p.pfnum !== undefined ? `p${p.pfnum}` : `port ${p.index}`)}`
    case 'pcipf':
      return pf || `pf port ${p.index}`
    case 'pcivf':
      return p.vfnum !== undefined ? `${pf}vf${p.vfnum}` : `vf port ${p.index}`
    case 'pcisf':
      return p.sfnum !== undefined ? `${pf}sf${p.sfnum}` : `sf port ${p.index}`
    default:
      return `${p.flavour} port ${p.physPortName ?? p.index}`
  }
}

/** Label of port `index` of `handle` in `snap`, or null when the snapshot has no such port. */
export function portLabelAt(
  snap: HostSnapshot | undefined,
  handle: string,
  index: number,
): string | null {
  const port = snap?.devices.find((d) => d.handle === handle)?.ports.find((p) => p.index === index)
  return port ? portLabel(port) : null
}

const PORT_KEY =
  /\b(pci\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|netdevsim\/netdevsim\d+)\/(\d+)\b/g

/**
 * Rewrites port keys (`pci/0000:08:00.0/65535`, as diffs and blast radii name ports) in `text`
 * to `pci/0000:08:00.0 uplink p0`. Keys the snapshot does not know (a port that went away) read
 * `pci/0000:08:00.0 port 65535`, still naming what the number is.
 */
export function namePortKeys(text: string, snap: HostSnapshot | undefined): string {
  return text.replace(PORT_KEY, (_m, handle: string, index: string) => {
    const label = portLabelAt(snap, handle, Number(index))
    return `${handle} ${label ?? `port ${index}`}`
  })
}
