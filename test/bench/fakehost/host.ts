import { spawn, type ChildProcess } from 'node:child_process'
import {
  appendFileSync,
  readFileSync,
  renameSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs'
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readlink,
  readdir,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { freePort, makeKey, SSHD } from '../../helpers/sshd'
import { requireSystemDeps } from '../../helpers/system-deps'
import { initialState, render, transition, type Events, type FakeState } from './model'
import { STUB_SCRIPTS, STUBBED } from './stubs'

/**
 * A bench "fake host": Debian's real OpenSSH sshd, one process per host on its own loopback
 * port, started in a mount namespace of its own (`unshare -m`, private propagation) where
 *
 * - `/sys` is a small fake sysfs tree: the netdevsim bus device `netdevsim1` with its
 *   `sriov_numvfs`, `driver` link and uplink netdev, netdevsim's debugfs `max_vfs`, the
 *   firmware tracer's enable file (as test/unit/host/fake-host.ts lays trees out for the
 *   discovery script, but at the real paths, so the engine's commands run unchanged);
 * - `devlink`, `ip`, `rdma`, `lspci` are the stub scripts of stubs.ts, bind-mounted over the
 *   real binaries; `/run` is a private tmpfs (replab's `/run/replab` advisory locks are per host),
 *   `/dev/kmsg` an empty file (the drills' kernel-log cursor reads nothing), and sessions get
 *   root's PATH;
 *
 * and a model of the device (model.ts) in this process reacts to the host's writes
 * (`sriov_numvfs`, the eswitch stub's request) through inotify, rewriting what the stubs print
 * and appending the monitor events. The console under test talks to it over real SSH exactly as
 * to a lab hypervisor; every remote command is a real `sh` with real forks. Needs root.
 */

/** A started fake host. `stop()` is its only disposer. */
export interface FakeHost {
  readonly name: string
  readonly port: number
  readonly dir: string
  /** sshd's pid. */
  pid(): number
  stop(): Promise<void>
}

/** What every host of one run shares: the login user and the client key. */
export interface FakeHostsUser {
  readonly user: string
  readonly publicKey: string
}

const DEV = 'sys/bus/netdevsim/devices/netdevsim1'

/** Lays out the fake sysfs tree, state files and stubs under `dir`. */
async function layout(dir: string, s: FakeState): Promise<void> {
  const dirs = [
    `${DEV}/net/eni1np1`,
    'sys/bus/netdevsim/drivers/netdevsim',
    'sys/bus/pci/devices',
    'sys/kernel/debug/netdevsim/netdevsim1',
    'sys/kernel/debug/tracing/events/mlx5/mlx5_fw',
    'sys/kernel/fakekernel',
    'bin',
  ]
  for (const d of dirs) await mkdir(join(dir, d), { recursive: true })
  // Resolvable, as in sysfs (the bus device is a directory here, not a link to /sys/devices).
  await symlink('../../drivers/netdevsim', join(dir, DEV, 'driver'))
  await writeFile(join(dir, DEV, 'sriov_numvfs'), '0\n', { mode: 0o666 })
  await chmod(join(dir, DEV, 'sriov_numvfs'), 0o666)
  await writeFile(join(dir, 'sys/kernel/debug/netdevsim/netdevsim1/max_vfs'), '8\n')
  const tracer = join(dir, 'sys/kernel/debug/tracing/events/mlx5/mlx5_fw/enable')
  await writeFile(tracer, '0\n')
  await chmod(tracer, 0o666)
  const state = join(dir, 'sys/kernel/fakekernel')
  await chmod(state, 0o1777)
  for (const [name, text] of Object.entries(render(s)))
    await writeFile(join(state, name), `${text}\n`)
  for (const mon of ['devlink.mon', 'ip.mon']) await writeFile(join(state, mon), '')
  for (const [tool, script] of Object.entries(STUB_SCRIPTS)) {
    await writeFile(join(dir, 'bin', tool), script, { mode: 0o755 })
  }
  await writeFile(join(dir, 'kmsg'), '')
}

/** The commands run as root in the new mount namespace before sshd replaces the shell. */
function namespaceScript(dir: string, cfg: string): string {
  const q = (p: string): string => `'${p}'`
  return [
    'set -e',
    `mount --bind ${q(join(dir, 'sys'))} /sys`,
    'mount -t tmpfs -o mode=755 tmpfs /run',
    'mkdir -p /run/sshd /run/replab',
    'chmod 1777 /run/replab',
    `mount --bind ${q(join(dir, 'kmsg'))} /dev/kmsg`,
    ...Object.entries(STUBBED).map(
      ([tool, real]) => `mount --bind ${q(join(dir, 'bin', tool))} ${real}`,
    ),
    `exec ${SSHD} -D -e -f ${q(cfg)}`,
  ].join('\n')
}

async function sshdConfig(dir: string, port: number, authorizedKeys: string): Promise<string> {
  await makeKey(dir, 'ssh_host_ed25519_key')
  const cfg = join(dir, 'sshd_config')
  const lines = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'ssh_host_ed25519_key')}`,
    `AuthorizedKeysFile ${authorizedKeys}`,
    'PidFile none',
    'UsePAM no',
    'StrictModes no',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'MaxSessions 64',
    'MaxStartups 200',
    // root's PATH, as on a lab hypervisor where devlink lives in /usr/sbin
    'SetEnv PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'LogLevel ERROR',
  ]
  await writeFile(cfg, `${lines.join('\n')}\n`)
  return cfg
}

function waitListening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = ''
    const timer = setTimeout(
      () => reject(new Error(`fake host sshd on ${port}: no answer`)),
      20_000,
    )
    const probe = setInterval(() => {
      const s = connect(port, '127.0.0.1')
      s.once('connect', () => {
        s.destroy()
        clearInterval(probe)
        clearTimeout(timer)
        resolve()
      })
      s.once('error', () => s.destroy())
    }, 50)
    child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
    child.once('exit', (code) => {
      clearInterval(probe)
      clearTimeout(timer)
      reject(new Error(`fake host sshd exited ${code}: ${log.slice(-2000)}`))
    })
  })
}

/**
 * The device model of one host, reacting to its writes (see the module comment). It works
 * synchronously inside the inotify callback, so a change is visible to the stubs and announced
 * on the monitors within about a millisecond of the write, as a kernel's own notifications are.
 */
class Reactor {
  private readonly watchers: FSWatcher[] = []
  private readonly s = initialState()
  private last = render(this.s)

  constructor(private readonly dir: string) {}

  start(): void {
    const state = join(this.dir, 'sys/kernel/fakekernel')
    this.watchers.push(
      watch(join(this.dir, DEV), (_e, f) => f === 'sriov_numvfs' && this.safely(() => this.vfs())),
      watch(state, (_e, f) => f === 'req' && this.safely(() => this.mode())),
    )
  }

  private safely(step: () => void): void {
    try {
      step()
    } catch {
      // a file rewritten under us: the next event reads it again
    }
  }

  private vfs(): void {
    const n = Number.parseInt(readFileSync(join(this.dir, DEV, 'sriov_numvfs'), 'utf8'), 10)
    if (!Number.isInteger(n) || n < 0 || n === this.s.numvfs) return
    this.publish(transition(this.s, { numvfs: n }))
  }

  private mode(): void {
    const want = readFileSync(join(this.dir, 'sys/kernel/fakekernel/req'), 'utf8').trim()
    if ((want !== 'legacy' && want !== 'switchdev') || want === this.s.mode) return
    this.publish(transition(this.s, { mode: want }))
  }

  /** New outputs first (atomic renames of what changed), then the events that announce them. */
  private publish(ev: Events): void {
    const state = join(this.dir, 'sys/kernel/fakekernel')
    const next = render(this.s)
    // The mode last: `devlink dev eswitch set` returns once it shows, and a kernel returns only
    // after the representors are up (docs/domain.md §1.2).
    const entries = Object.entries(next) as Array<[keyof typeof next, string]>
    entries.sort(([a], [b]) => Number(a === 'eswitch') - Number(b === 'eswitch'))
    for (const [name, text] of entries) {
      if (this.last[name] === text) continue
      writeFileSync(join(state, `.${name}.new`), `${text}\n`)
      renameSync(join(state, `.${name}.new`), join(state, name))
    }
    this.last = next
    if (ev.devlink) appendFileSync(join(state, 'devlink.mon'), ev.devlink)
    if (ev.ip) appendFileSync(join(state, 'ip.mon'), ev.ip)
  }

  stop(): void {
    for (const w of this.watchers) w.close()
  }
}

/** Pids of `root`'s descendants (from /proc), deepest last. */
async function descendants(root: number): Promise<number[]> {
  const parent = new Map<number, number>()
  for (const p of await readdir('/proc')) {
    if (!/^\d+$/.test(p)) continue
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '')
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
    if (Number.isInteger(ppid)) parent.set(Number(p), ppid)
  }
  const out: number[] = []
  const queue = [root]
  while (queue.length > 0) {
    const p = queue.shift() as number
    for (const [pid, pp] of parent) {
      if (pp !== p) continue
      out.push(pid)
      queue.push(pid)
    }
  }
  return out
}

function signal(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig)
    } catch {
      // gone
    }
  }
}

/**
 * Kills the host's sshd and every process it started (sessions, the monitors' `tail -f`): the
 * tree is frozen first (stopped processes cannot fork) and only processes of this sshd's tree
 * inside its own mount namespace are touched, never anything outside it.
 */
async function killTree(pid: number): Promise<void> {
  const own = await readlink('/proc/self/ns/mnt').catch(() => null)
  const ns = await readlink(`/proc/${pid}/ns/mnt`).catch(() => null)
  const seen = new Set<number>([pid])
  for (let pass = 0; pass < 2; pass++) {
    for (const p of await descendants(pid)) seen.add(p)
    signal([...seen], 'SIGSTOP')
  }
  const inside: number[] = []
  for (const p of seen) {
    const pns = await readlink(`/proc/${p}/ns/mnt`).catch(() => null)
    if (p === pid || (pns !== null && pns === ns && pns !== own)) inside.push(p)
  }
  signal(inside, 'SIGKILL')
  signal(inside, 'SIGCONT')
}

/** Starts one fake host named `name` for `user`; rejects (after cleaning up) when sshd fails. */
export async function startFakeHost(name: string, user: FakeHostsUser): Promise<FakeHost> {
  requireSystemDeps(['root', 'sshd', 'ssh-keygen'])
  const dir = await mkdtemp(join(tmpdir(), 'replab-fakehost-'))
  await chmod(dir, 0o755)
  await layout(dir, initialState())
  const keys = join(dir, 'authorized_keys')
  await writeFile(keys, `${user.publicKey}\n`, { mode: 0o644 })
  const port = await freePort()
  const cfg = await sshdConfig(dir, port, keys)
  const reactor = new Reactor(dir)
  reactor.start()
  const child = spawn(
    'unshare',
    ['-m', '--propagation', 'private', 'sh', '-c', namespaceScript(dir, cfg)],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  )
  const stop = async (): Promise<void> => {
    reactor.stop()
    if (child.pid !== undefined && child.exitCode === null) await killTree(child.pid)
    await rm(dir, { recursive: true, force: true })
  }
  try {
    await waitListening(child, port)
  } catch (err) {
    await stop()
    throw err
  }
  return { name, port, dir, pid: () => child.pid ?? -1, stop }
}
