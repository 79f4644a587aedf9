/**
 * The kernel side of a bench "fake host" (fakehost/host.ts): one netdevsim-like devlink device,
 * `netdevsim/netdevsim1` with one physical port, modelled after the real captures in
 * test/fixtures/netdevsim/ (06 dev, 08 info, 10/17 eswitch, 11/18 ports, 21 ip -d link, 34
 * health, 74 monitor) and netdevsim's rules (drivers/net/netdevsim/dev.c, 6.1; docs/domain.md
 * §6): in switchdev every VF has a `pcivf` port with a representor netdev `eni1npf0vf<N>`;
 * writing 0 VFs in switchdev returns the E-Switch to legacy; VFs have no netdevs of their own.
 *
 * Pure: `render` gives what the stub tools print, `transition` the monitor events of a change
 * (devlink elements of the never-closed `{"mon":[` document, and iproute2 6.1's text records
 * of `ip monitor link`). host.ts writes them into the files the stubs read.
 */

export const HANDLE = 'netdevsim/netdevsim1'
const SWITCH_ID = '85e631b35ee474f648d594b48f36355e736591991a37d31ab96f4569b9512f'

/** The modelled state of one fake host. */
export interface FakeState {
  mode: 'legacy' | 'switchdev'
  numvfs: number
  /** ifindex of each netdev; new netdevs get the next one (never reused, as `dev_new_index`). */
  readonly ifindex: Map<string, number>
  nextIfindex: number
}

/** A fresh host: legacy, 0 VFs, `lo` and the uplink `eni1np1`. */
export function initialState(): FakeState {
  return {
    mode: 'legacy',
    numvfs: 0,
    ifindex: new Map([
      ['lo', 1],
      ['eni1np1', 2],
    ]),
    nextIfindex: 3,
  }
}

/** What the stub tools print, by file name under the host's state directory. */
export type Rendered = Record<
  'dev' | 'eswitch' | 'port' | 'links' | 'health' | 'info' | 'rdma',
  string
>

const repName = (vf: number): string => `eni1npf0vf${vf}`
const mac = (i: number): string =>
  `52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`

function vfPort(vf: number, withNetdev: boolean): Record<string, unknown> {
  return {
    type: withNetdev ? 'eth' : 'notset',
    ...(withNetdev ? { netdev: repName(vf) } : {}),
    flavour: 'pcivf',
    ...{ controller: 0, pfnum: 0, vfnum: vf, external: false, splittable: false },
  }
}

const PHYSICAL = { type: 'eth', netdev: 'eni1np1', flavour: 'physical', port: 1, splittable: false }

function link(s: FakeState, name: string): Record<string, unknown> {
  const i = s.ifindex.get(name) ?? 0
  const uplink = name === 'eni1np1'
  return {
    ...{ ifindex: i, ifname: name, flags: ['BROADCAST', 'NOARP'], mtu: 1500, qdisc: 'noop' },
    ...{ operstate: 'DOWN', linkmode: 'DEFAULT', group: 'default', txqlen: 1000 },
    ...{ link_type: 'ether', address: mac(i), broadcast: 'ff:ff:ff:ff:ff:ff' },
    ...{ min_mtu: 68, max_mtu: 65535, num_tx_queues: 1, num_rx_queues: 1 },
    phys_port_name: uplink ? 'p1' : `pf0vf${name.slice(repName(0).length - 1)}`,
    phys_switch_id: SWITCH_ID,
    ...{ parentbus: 'netdevsim', parentdev: 'netdevsim1' },
    ...(uplink && s.numvfs > 0
      ? { vfinfo_list: Array.from({ length: s.numvfs }, (_, vf) => ({ vf, link_type: 'ether' })) }
      : {}),
  }
}

/** The netdevs that exist in `s`: the uplink, and one representor per VF in switchdev. */
function netdevs(s: FakeState): string[] {
  const reps = s.mode === 'switchdev' ? Array.from({ length: s.numvfs }, (_, v) => repName(v)) : []
  return ['eni1np1', ...reps]
}

/** The stub tools' outputs for `s` (JSON as iproute2 6.1 prints it, one line each). */
export function render(s: FakeState): Rendered {
  const ports: Record<string, unknown> = { [`${HANDLE}/0`]: PHYSICAL }
  if (s.mode === 'switchdev')
    for (let v = 0; v < s.numvfs; v++) ports[`${HANDLE}/${128 + v}`] = vfPort(v, true)
  const lo = {
    ...{ ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], mtu: 65536 },
    ...{ qdisc: 'noqueue', operstate: 'UNKNOWN', link_type: 'loopback' },
  }
  const reporter = { state: 'healthy', error: 0, recover: 0, auto_dump: true }
  return {
    dev: JSON.stringify({ dev: { [HANDLE]: {} } }),
    eswitch: JSON.stringify({ dev: { [HANDLE]: { mode: s.mode } } }),
    port: JSON.stringify({ port: ports }),
    links: JSON.stringify([lo, ...netdevs(s).map((n) => link(s, n))]),
    health: JSON.stringify({
      health: {
        [HANDLE]: [
          { reporter: 'empty', ...reporter },
          { reporter: 'dummy', ...reporter, grace_period: 0, auto_recover: true },
        ],
      },
    }),
    info: JSON.stringify({
      info: {
        [HANDLE]: {
          driver: 'netdevsim',
          versions: { running: { 'fw.mgmt': '10.20.30' }, stored: { 'fw.mgmt': '10.20.30' } },
        },
      },
    }),
    rdma: '[]',
  }
}

/** The monitor output of one change: devlink elements (each ends `,`) and ip text records. */
export interface Events {
  devlink: string
  ip: string
}

function ipRecord(s: FakeState, name: string, deleted: boolean): string {
  const i = s.ifindex.get(name) ?? 0
  return (
    `${deleted ? 'Deleted ' : ''}${i}: ${name}: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default \n` +
    `    link/ether ${mac(i)} brd ff:ff:ff:ff:ff:ff\n`
  )
}

function portEvent(command: 'new' | 'del', vf: number, withNetdev: boolean): string {
  return `${JSON.stringify({ command, port: { [`${HANDLE}/${128 + vf}`]: vfPort(vf, withNetdev) } })},`
}

/**
 * Moves `s` to `mode` and `numvfs` (netdevsim: 0 VFs in switchdev ends in legacy) and answers
 * the events, in the kernel's order: a representor's port appears, then its netdev; on removal
 * the netdev goes first, then the port (fixture 74).
 */
export function transition(
  s: FakeState,
  next: { mode?: 'legacy' | 'switchdev'; numvfs?: number },
): Events {
  const before = new Set(netdevs(s))
  const wasSwitchdev = s.mode === 'switchdev'
  if (next.numvfs !== undefined) {
    s.numvfs = next.numvfs
    if (next.numvfs === 0 && wasSwitchdev) s.mode = 'legacy'
  }
  if (next.mode !== undefined) s.mode = next.mode
  const ev: Events = { devlink: '', ip: '' }
  const gone = [...before].filter((n) => !netdevs(s).includes(n))
  for (const n of gone.reverse()) {
    ev.ip += ipRecord(s, n, true)
    ev.devlink += portEvent('del', Number(n.slice(repName(0).length - 1)), false)
    s.ifindex.delete(n)
  }
  for (const n of netdevs(s).filter((x) => !before.has(x))) {
    s.ifindex.set(n, s.nextIfindex++)
    const vf = Number(n.slice(repName(0).length - 1))
    ev.devlink += portEvent('new', vf, false) + portEvent('new', vf, true)
    ev.ip += ipRecord(s, n, false)
  }
  return ev
}
