import type { FakeHostSpec } from './fake-host'
import { loadFixture, type Kernel } from './fixture'

/**
 * Fake hosts for the discovery tests.
 *
 * `mlx5Spec`: one ConnectX-6 Dx card, PF0 in switchdev with 2 VFs (VF0 bound to mlx5_core with a
 * netdev, VF1 bound to vfio-pci), PF1 in legacy; newer-kernel layout with the uplink ports under
 * `auxiliary/mlx5_core.eth.N` (docs/domain.md §2.2), an IB representor device whose ports carry the
 * rep netdevs (§1.6), mlx5 LAG debugfs, an OFED crdump file, the upstream tracer event, and a
 * non-Mellanox SR-IOV device that discovery must ignore. Shapes from docs/domain.md §2.
 *
 * `nsimSpec`: the real netdevsim captures (switchdev, 4 VFs) for the given kernel.
 */

const PF0 = '0000:08:00.0'
const PF1 = '0000:08:00.1'
const VF0 = '0000:08:00.2'
const VF1 = '0000:08:00.3'
const SWID = '1c2c3b0003a1e4b8'

function pciDev(bdf: string, device: string, extra: Record<string, string> = {}) {
  const d = `sys/bus/pci/devices/${bdf}`
  return Object.fromEntries(
    Object.entries({ vendor: '0x15b3\n', device: `${device}\n`, ...extra }).map(([k, v]) => [
      `${d}/${k}`,
      v,
    ]),
  )
}

/** One `addr_info` element as iproute2 6.1 prints it (`label` on inet only). */
export function addr(
  family: 'inet' | 'inet6',
  local: string,
  prefixlen: number,
  scope: string,
  label?: string,
) {
  return {
    family,
    local,
    prefixlen,
    scope,
    ...(label ? { label } : {}),
    valid_life_time: 4294967295,
    preferred_life_time: 4294967295,
  }
}

const linkLocal = addr('inet6', 'fe80::b0da:84ff:fe12:5f0c', 64, 'link')

function link(ifname: string, ifindex: number, extra: Record<string, unknown> = {}) {
  return {
    ifindex,
    ifname,
    flags: ['BROADCAST', 'MULTICAST', 'UP'],
    mtu: 1500,
    operstate: 'UP',
    ...extra,
  }
}

const PORTS = {
  port: {
    'auxiliary/mlx5_core.eth.0/65535': {
      type: 'eth',
      netdev: 'enp8s0f0np0',
      flavour: 'physical',
      port: 0,
      splittable: false,
    },
    [`pci/${PF0}/1`]: {
      ...{
        type: 'eth',
        netdev: 'enp8s0f0npf0vf0',
        flavour: 'pcivf',
        controller: 0,
        pfnum: 0,
        vfnum: 0,
      },
      ...{
        external: false,
        splittable: false,
        function: { hw_addr: '02:00:00:00:00:10', state: 'active' },
      },
    },
    [`pci/${PF0}/2`]: {
      ...{
        type: 'eth',
        netdev: 'enp8s0f0npf0vf1',
        flavour: 'pcivf',
        controller: 0,
        pfnum: 0,
        vfnum: 1,
      },
      ...{ external: false, splittable: false, function: { hw_addr: '00:00:00:00:00:00' } },
    },
    'auxiliary/mlx5_core.eth.1/131071': {
      type: 'eth',
      netdev: 'enp8s0f1np1',
      flavour: 'physical',
      port: 1,
      splittable: false,
    },
  },
}

const HEALTH = {
  health: {
    [`pci/${PF0}`]: [
      { reporter: 'fw', state: 'healthy', error: 0, recover: 0, auto_dump: true },
      {
        reporter: 'fw_fatal',
        state: 'healthy',
        error: 1,
        recover: 1,
        grace_period: 60000,
        auto_recover: true,
        auto_dump: true,
      },
    ],
    'auxiliary/mlx5_core.eth.0/65535': [
      { reporter: 'tx', state: 'healthy', error: 0, recover: 0 },
      { reporter: 'rx', state: 'healthy', error: 0, recover: 0 },
    ],
    [`pci/${PF1}`]: [
      { reporter: 'fw_fatal', state: 'healthy', error: 0, recover: 0, grace_period: 'unlimited' },
    ],
  },
}

function info(serial: string) {
  return {
    driver: 'mlx5_core',
    serial_number: serial,
    versions: { fixed: { 'fw.psid': 'MT_0000000359' }, running: { 'fw.version': '22.39.1002' } },
  }
}
function mlx5Links() {
  const links = [
    link('lo', 1, { link_type: 'loopback', operstate: 'UNKNOWN' }),
    link('enp8s0f0np0', 4, {
      phys_port_name: 'p0',
      phys_switch_id: SWID,
      parentbus: 'pci',
      parentdev: PF0,
      // `ip -j -d addr show` (iproute2 6.1): an uplink with an address of its own; the PF's
      // addresses say nothing about its VFs.
      addr_info: [addr('inet', '198.51.100.7', 24, 'global', 'enp8s0f0np0'), linkLocal],
    }),
    link('bond0', 9, { linkinfo: { info_kind: 'bond' } }),
    link('enp8s0f1np1', 5, {
      master: 'bond0',
      phys_port_name: 'p1',
      phys_switch_id: '1c2c3b0003a1e4b9',
      parentbus: 'pci',
      parentdev: PF1,
    }),
    link('enp8s0f0npf0vf0', 6, { phys_port_name: 'pf0vf0', phys_switch_id: SWID }),
    link('enp8s0f0npf0vf1', 7, {
      phys_port_name: 'pf0vf1',
      phys_switch_id: SWID,
      operstate: 'DOWN',
    }),
    // Up with only its fe80:: link-local address: not in use.
    link('enp8s0f0v0', 8, { parentbus: 'pci', parentdev: VF0, addr_info: [linkLocal] }),
  ]
  return links
}

function mlx5Rdma() {
  const rdmaLinks = [
    { ifindex: 0, ifname: 'mlx5_0', port: 1, state: 'DOWN', physical_state: 'DISABLED' },
    {
      ifindex: 0,
      ifname: 'mlx5_0',
      port: 2,
      state: 'ACTIVE',
      physical_state: 'LINK_UP',
      netdev: 'enp8s0f0npf0vf0',
      netdev_index: 6,
    },
    {
      ifindex: 0,
      ifname: 'mlx5_0',
      port: 3,
      state: 'DOWN',
      physical_state: 'DISABLED',
      netdev: 'enp8s0f0npf0vf1',
      netdev_index: 7,
    },
    {
      ifindex: 0,
      ifname: 'mlx5_0',
      port: 4,
      state: 'ACTIVE',
      physical_state: 'LINK_UP',
      netdev: 'enp8s0f0np0',
      netdev_index: 4,
    },
    {
      ifindex: 1,
      ifname: 'mlx5_1',
      port: 1,
      state: 'ACTIVE',
      physical_state: 'LINK_UP',
      netdev: 'enp8s0f1np1',
      netdev_index: 5,
    },
    {
      ifindex: 2,
      ifname: 'mlx5_2',
      port: 1,
      state: 'ACTIVE',
      physical_state: 'LINK_UP',
      netdev: 'enp8s0f0v0',
      netdev_index: 8,
    },
  ]
  const rdmaDevs = [0, 1, 2].map((i) => ({
    ifindex: i,
    ifname: `mlx5_${i}`,
    node_type: 'ca',
    fw: '22.39.1002',
    node_guid: `b83f:d203:00a1:e4b${i}`,
    sys_image_guid: 'b83f:d203:00a1:e4b8',
  }))
  return { rdmaLinks, rdmaDevs }
}

function mlx5Files(): FakeHostSpec['files'] {
  return {
    ...pciDev(PF0, '0x101d', {
      sriov_totalvfs: '8\n',
      sriov_numvfs: '2\n',
      sriov_drivers_autoprobe: '1\n',
      reset_method: 'flr bus\n',
    }),
    ...pciDev(PF1, '0x101d', {
      sriov_totalvfs: '8\n',
      sriov_numvfs: '0\n',
      sriov_drivers_autoprobe: '1\n',
    }),
    ...pciDev(VF0, '0x101e', { reset_method: 'flr\n' }),
    ...pciDev(VF1, '0x101e'),
    'sys/bus/pci/devices/0000:00:03.0/vendor': '0x8086\n',
    'sys/bus/pci/devices/0000:00:03.0/device': '0x1572\n',
    'sys/bus/pci/devices/0000:00:03.0/sriov_totalvfs': '64\n',
    'sys/bus/pci/devices/0000:00:03.0/sriov_numvfs': '0\n',
    'proc/modules':
      'mlx5_ib 466944 0 - Live 0xffffffffc0a1c000\nmlx5_core 2174976 1 mlx5_ib, Live 0xffffffffc0600000\nvfio_pci 16384 0 - Live 0xffffffffc0500000\n',
    'proc/sys/kernel/random/boot_id': '0c180a64-0db7-4202-b71e-2f9c4b8bb4fe\n',
    'etc/os-release': 'PRETTY_NAME="Rocky Linux 9.5 (Blue Onyx)"\nID="rocky"\n',
    [`sys/kernel/debug/mlx5/${PF0}/lag/state`]: 'disabled\n',
    [`sys/kernel/debug/mlx5/${PF0}/lag/type`]: '\n',
    'sys/kernel/tracing/events/mlx5/mlx5_fw/enable': '0\n',
    [`proc/driver/mlx5_core/crdump/${PF0}`]: '',
    'sys/kernel/debug/labsim/inject': '',
  }
}

function mlx5SysLinks(): FakeHostSpec['links'] {
  return {
    [`sys/bus/pci/devices/${PF0}/driver`]: '../../../bus/pci/drivers/mlx5_core',
    [`sys/bus/pci/devices/${PF1}/driver`]: '../../../bus/pci/drivers/mlx5_core',
    [`sys/bus/pci/devices/${VF0}/driver`]: '../../../bus/pci/drivers/mlx5_core',
    [`sys/bus/pci/devices/${VF1}/driver`]: '../../../bus/pci/drivers/vfio-pci',
    [`sys/bus/pci/devices/${PF0}/virtfn0`]: `../${VF0}`,
    [`sys/bus/pci/devices/${PF0}/virtfn1`]: `../${VF1}`,
    [`sys/bus/pci/devices/${VF0}/physfn`]: `../${PF0}`,
    [`sys/bus/pci/devices/${VF1}/physfn`]: `../${PF0}`,
    'sys/bus/pci/devices/0000:00:03.0/driver': '../../../bus/pci/drivers/i40e',
    ...Object.fromEntries(
      [PF0, PF1, VF0].map((b) => [`sys/bus/pci/drivers/mlx5_core/${b}`, `../../devices/${b}`]),
    ),
  }
}

function mlx5Dirs(): readonly string[] {
  return [
    `sys/bus/pci/devices/${PF0}/net/enp8s0f0np0`,
    `sys/bus/pci/devices/${PF0}/infiniband/mlx5_0`,
    `sys/bus/pci/devices/${PF0}/mlx5_core.eth.0`,
    `sys/bus/pci/devices/${PF0}/mlx5_core.rdma-rep.0`,
    `sys/bus/pci/devices/${PF1}/net/enp8s0f1np1`,
    `sys/bus/pci/devices/${PF1}/infiniband/mlx5_1`,
    `sys/bus/pci/devices/${PF1}/mlx5_core.eth.1`,
    `sys/bus/pci/devices/${VF0}/net/enp8s0f0v0`,
    `sys/bus/pci/devices/${VF0}/infiniband/mlx5_2`,
    'sys/bus/pci/drivers/vfio-pci',
    'sys/bus/pci/drivers/i40e',
  ]
}

function mlx5Commands(): FakeHostSpec['commands'] {
  const links = mlx5Links()
  const { rdmaLinks, rdmaDevs } = mlx5Rdma()
  const dev = (o: unknown) => ({ out: `${JSON.stringify(o)}\n` })
  return {
    'uname -r': { out: '6.12.0-55.el9.x86_64\n' },
    'lspci -D -nn': {
      out: [
        `${PF0} Ethernet controller [0200]: Mellanox Technologies MT2892 Family [ConnectX-6 Dx] [15b3:101d]`,
        `${PF1} Ethernet controller [0200]: Mellanox Technologies MT2892 Family [ConnectX-6 Dx] [15b3:101d]`,
        `${VF0} Ethernet controller [0200]: Mellanox Technologies ConnectX Family mlx5Gen Virtual Function [15b3:101e]`,
        `${VF1} Ethernet controller [0200]: Mellanox Technologies ConnectX Family mlx5Gen Virtual Function [15b3:101e]`,
        '',
      ].join('\n'),
    },
    'devlink -j dev show': dev({
      dev: {
        [`pci/${PF0}`]: {},
        [`pci/${PF1}`]: {},
        [`pci/${VF0}`]: {},
        'auxiliary/mlx5_core.eth.0': {},
        'auxiliary/mlx5_core.eth.1': {},
      },
    }),
    [`devlink -j dev eswitch show pci/${PF0}`]: dev({
      dev: {
        [`pci/${PF0}`]: { mode: 'switchdev', 'inline-mode': 'none', 'encap-mode': 'basic' },
      },
    }),
    [`devlink -j dev eswitch show pci/${PF1}`]: dev({
      dev: { [`pci/${PF1}`]: { mode: 'legacy', 'inline-mode': 'none', 'encap-mode': 'basic' } },
    }),
    'devlink -j port show': dev(PORTS),
    'devlink -j health show': dev(HEALTH),
    'devlink -j dev info': dev({
      info: { [`pci/${PF0}`]: info('MT2232X12345'), [`pci/${PF1}`]: info('MT2232X12345') },
    }),
    'rdma -j link show': dev(rdmaLinks),
    'rdma -j dev show': dev(rdmaDevs),
    'ip -j -d addr show': dev(links),
  }
}

/** The mlx5 fake host (see module doc). */
export function mlx5Spec(): FakeHostSpec {
  return { files: mlx5Files(), links: mlx5SysLinks(), dirs: mlx5Dirs(), commands: mlx5Commands() }
}

/** The netdevsim fake host from real captures (switchdev, 4 VFs) of `kernel`. */
export async function nsimSpec(kernel: Kernel): Promise<FakeHostSpec> {
  const json = async (prefix: string, i = 0) => ({
    out: `${(await loadFixture(prefix, kernel)).json[i] ?? ''}\n`,
  })
  const release = (await loadFixture('00_', kernel)).stdout.split(' ')[2] ?? ''
  const d = 'sys/bus/netdevsim/devices/netdevsim10'
  const reps = ['eni10npf0vf0', 'eni10npf0vf1', 'eni10npf0vf2', 'eni10npf0vf3']
  return {
    files: {
      [`${d}/sriov_numvfs`]: '4\n',
      'proc/modules':
        'netdevsim 98304 0 - Live 0xffffffffc0a00000 (OE)\npsample 20480 1 netdevsim, Live 0xffffffffc0900000\n',
    },
    links: { [`${d}/driver`]: '../../bus/netdevsim/drivers/netdevsim' },
    dirs: [
      'sys/bus/pci/devices',
      'bus/netdevsim/drivers/netdevsim',
      ...['eni10np1', ...reps].map((n) => `${d}/net/${n}`),
    ],
    commands: {
      'uname -r': { out: `${release}\n` },
      'lspci -D -nn': { out: '', rc: 127 },
      'devlink -j dev show': await json('06_'),
      'devlink -j dev eswitch show netdevsim/netdevsim10': await json('17_'),
      'devlink -j port show': await json('18_'),
      'devlink -j health show': await json('34_'),
      'devlink -j dev info': await json('08_'),
      'rdma -j link show': await json('01_', 0),
      'rdma -j dev show': await json('01_', 1),
      'ip -j -d addr show': await json('21_'),
    },
  }
}
