import type { Kernel } from '../model/kernel'
import type { VDir, VNode } from './nodes'
import { attr, dir, link, memDir, memFile, woAttr } from './nodes'
import { busPci, pciFunctions } from './sysfs-pci'
import { busNetdevsim, netdevsimDebugfs, netdevsimDevice } from './sysfs-sim'
import { classInfiniband, classNet, virtualNet } from './sysfs-net'
import { tracefs } from './tracefs'
import { kmsgFile } from './kmsg'

const moduleSizes: Record<string, [number, string]> = {
  mlx5_ib: [491520, '-'],
  ib_uverbs: [196608, 'mlx5_ib,'],
  ib_core: [450560, 'mlx5_ib,ib_uverbs,'],
  mlx5_core: [2494464, 'mlx5_ib,'],
  mlxfw: [36864, 'mlx5_core,'],
  netdevsim: [126976, '-'],
}

/** `/proc/modules` lines (name size refcount deps state offset). */
export function procModules(kernel: Kernel): string {
  const loaded = ['mlx5_ib', 'ib_uverbs', 'ib_core', 'mlx5_core', 'mlxfw', 'netdevsim'].filter(
    (m) => {
      if (m === 'ib_uverbs' || m === 'ib_core') return kernel.modules.has('mlx5_ib')
      if (m === 'mlxfw') return kernel.modules.has('mlx5_core')
      return kernel.modules.has(m)
    },
  )
  return loaded
    .map((m) => {
      const [size, deps] = moduleSizes[m] ?? [0, '-']
      const users =
        kernel.modules.has('mlx5_ib') && deps !== '-'
          ? deps
              .split(',')
              .filter(Boolean)
              .filter((d) => kernel.modules.has(d) || d === 'ib_uverbs').length
          : 0
      return `${m} ${size} ${users} ${users > 0 ? deps : '-'} Live 0x0000000000000000\n`
    })
    .join('')
}

/** Hooks the filesystem needs from the lab host (fault injection file). */
export interface RootHooks {
  inject(line: string): void | Promise<void>
}

/** Long-lived tmpfs directories of a host (kept across reconnects, reset on reboot). */
export interface Tmpfs {
  readonly tmp: VDir
  readonly run: VDir
  readonly root: VDir
}

/** Creates fresh tmpfs mounts. */
export function newTmpfs(): Tmpfs {
  return { tmp: memDir(), run: memDir(), root: memDir() }
}

/**
 * The whole simulated filesystem of a host: sysfs (PCI, net, infiniband, netdevsim, module),
 * debugfs (tracing, netdevsim knobs, `labsim/inject`), procfs, /dev/null and tmpfs mounts.
 */
export function buildRoot(kernel: Kernel, tmpfs: Tmpfs, hooks: RootHooks): VDir {
  const sim = kernel.netdevsim
  const trace = tracefs(kernel)
  const debug = debugfs(kernel, trace, hooks)
  const devices = dir(() => {
    const entries: [string, VNode][] = [
      ['pci0000:00', dir(() => [['0000:00:01.0', pciFunctions(kernel)]])],
      ['virtual', dir(() => [['net', virtualNet(kernel)]])],
    ]
    if (sim) entries.push([sim.name, netdevsimDevice(kernel, sim)])
    return entries
  })
  const bus = dir(() => {
    const entries: [string, VNode][] = [['pci', busPci(kernel)]]
    if (sim) entries.push(['netdevsim', busNetdevsim(sim)])
    return entries
  })
  const sys = dir(() => [
    ['bus', bus],
    ['devices', devices],
    [
      'class',
      dir(() => [
        ['net', classNet(kernel)],
        ['infiniband', classInfiniband(kernel)],
      ]),
    ],
    [
      'kernel',
      dir(() => [
        ['debug', debug],
        ['tracing', trace],
      ]),
    ],
    [
      'module',
      dir(() =>
        [...kernel.modules].map(
          (m) => [m, dir(() => [['refcnt', attr(() => 0)]])] as [string, VNode],
        ),
      ),
    ],
  ])
  return dir(() => [
    ['sys', sys],
    ['proc', procDir(kernel)],
    [
      'dev',
      dir(() => [
        ['null', { kind: 'file', read: () => '', write: () => undefined }],
        ['kmsg', kmsgFile(kernel)],
      ]),
    ],
    [
      'etc',
      dir(() => [
        ['hostname', attr(() => kernel.hostname)],
        ['os-release', memFile('PRETTY_NAME="Debian GNU/Linux 13 (trixie)"\nID=debian\n')],
      ]),
    ],
    ['tmp', tmpfs.tmp],
    ['run', tmpfs.run],
    ['root', tmpfs.root],
    ['bin', link('usr/bin')],
    [
      'usr',
      dir(() => [
        ['bin', dir(() => [])],
        ['sbin', dir(() => [])],
      ]),
    ],
  ])
}

function debugfs(kernel: Kernel, trace: VDir, hooks: RootHooks): VDir {
  const sim = kernel.netdevsim
  return dir(() => {
    const entries: [string, VNode][] = [
      ['tracing', trace],
      [
        'labsim',
        dir(() => [
          [
            'inject',
            woAttr(async (v) => {
              for (const line of v.split('\n').filter((l) => l.trim() !== ''))
                await hooks.inject(line.trim())
            }),
          ],
        ]),
      ],
    ]
    if (sim) entries.push(['netdevsim', dir(() => [[sim.name, netdevsimDebugfs(kernel, sim)]])])
    return entries
  })
}

function procDir(kernel: Kernel): VDir {
  const crdumps = dir(() =>
    kernel.pfs
      .filter((pf) => pf.card.ofed && pf.bound)
      .map(
        (pf) =>
          [
            pf.bdf,
            { kind: 'file', read: () => (pf.crdump ?? Buffer.alloc(0)).toString('latin1') },
          ] as [string, VNode],
      ),
  )
  const ofed = kernel.cards.some((c) => c.ofed)
  return dir(() => [
    ['modules', attr(() => procModules(kernel).trimEnd())],
    [
      'version',
      attr(
        () =>
          `Linux version ${kernel.release} (root@replab) (gcc (Debian 14.2.0-19) 14.2.0) #1 SMP PREEMPT_DYNAMIC`,
      ),
    ],
    [
      'uptime',
      attr(() => `${kernel.clock.uptime().toFixed(2)} ${(kernel.clock.uptime() * 1.9).toFixed(2)}`),
    ],
    [
      'sys',
      dir(() => [
        [
          'kernel',
          dir(() => [
            ['random', dir(() => [['boot_id', attr(() => kernel.bootId)]])],
            ['hostname', attr(() => kernel.hostname)],
          ]),
        ],
      ]),
    ],
    ...(ofed
      ? ([['driver', dir(() => [['mlx5_core', dir(() => [['crdump', crdumps]])]])]] as [
          string,
          VNode,
        ][])
      : []),
  ])
}
