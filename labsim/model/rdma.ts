/** One port of an RDMA device; `netdev` is the attached netdev (IB representor slot). */
export interface RdmaPort {
  netdev?: string
}

/** An RDMA device as `rdma dev` / `rdma link` show it. */
export interface RdmaDevice {
  readonly index: number
  readonly name: string
  readonly fw: string
  readonly nodeGuid: string
  readonly sysImageGuid: string
  /** PCI function that owns it (for /sys/class/infiniband/<dev>/device). */
  readonly bdf: string
  /** True for the switchdev IB representor device (raw-eth profile, one port per vport). */
  readonly isRep: boolean
  readonly ports: RdmaPort[]
}

/**
 * RDMA devices of a host. Names are `mlx5_<n>` with the lowest free n
 * (ib_core `assign_name` uses the first free index for "mlx5_%d"); device indexes grow
 * monotonically (`xa_alloc_cyclic`).
 */
export class RdmaTable {
  private readonly devices = new Map<string, RdmaDevice>()
  private nextIndex = 0

  /** Registers a device named `mlx5_<lowest free>`. */
  add(spec: Omit<RdmaDevice, 'index' | 'name'>): RdmaDevice {
    let n = 0
    while (this.devices.has(`mlx5_${n}`)) n++
    const device: RdmaDevice = { ...spec, name: `mlx5_${n}`, index: this.nextIndex++ }
    this.devices.set(device.name, device)
    return device
  }

  remove(name: string | undefined): void {
    if (name) this.devices.delete(name)
  }

  get(name: string | undefined): RdmaDevice | undefined {
    return name ? this.devices.get(name) : undefined
  }

  /** Devices in index order (insertion order: indexes only grow). */
  list(): RdmaDevice[] {
    return [...this.devices.values()]
  }
}

/** A GUID in rdma's `xxxx:xxxx:xxxx:xxxx` form from a seed. */
export function guidFor(seed: number): string {
  const hex = (0x248a0703_00000000n + BigInt(seed)).toString(16).padStart(16, '0')
  return hex.match(/.{4}/g)?.join(':') ?? hex
}
