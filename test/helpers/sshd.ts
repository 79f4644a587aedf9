import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile, chmod } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { requireSystemDeps } from './system-deps'

/**
 * Starts Debian's real OpenSSH sshd (/usr/sbin/sshd) for integration tests: on 127.0.0.1, a
 * free port, `-D -e -f <temp config>`, its own host keys, `UsePAM no`, `StrictModes no`, one
 * absolute AuthorizedKeysFile for every user. Needs root (sshd's privilege separation); on a
 * machine without it, or without openssh-server/-client, `startSshd` throws naming the Debian
 * package and scripts/install-test-deps.sh (test/helpers/system-deps.ts). Most files use it
 * through `useSshd()` (test/helpers/use-sshd.ts).
 *
 * Test user: when running as root, `createTestUser()` adds a throwaway user (`useradd`, shell
 * /bin/sh, home in a temp dir, a random password set with `chpasswd`) and `remove()` deletes
 * it (`userdel`). /bin/sh keeps root's heavy ~/.bashrc out of every command's latency.
 */

const run = promisify(execFile)
export const SSHD = '/usr/sbin/sshd'

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/** Runs ssh-keygen to make a key pair; returns the private key path and the public key line. */
export async function makeKey(
  dir: string,
  name: string,
  type: 'ed25519' | 'ecdsa' | 'rsa' = 'ed25519',
  passphrase = '',
): Promise<{ path: string; pub: string }> {
  requireSystemDeps(['ssh-keygen'])
  const path = join(dir, name)
  const bits = type === 'rsa' ? ['-b', '2048'] : []
  // 2 bcrypt rounds instead of 16: ssh2 runs the KDF in JS, ~1 s per parse at the default
  const rounds = passphrase ? ['-a', '2'] : []
  await run('ssh-keygen', [
    '-q',
    '-t',
    type,
    ...bits,
    ...rounds,
    '-N',
    passphrase,
    '-C',
    name,
    '-f',
    path,
  ])
  return { path, pub: (await readFile(`${path}.pub`, 'utf8')).trim() }
}

/** Public key blob of an OpenSSH `.pub` line. */
export function pubBlob(pubLine: string): Buffer {
  return Buffer.from(pubLine.split(/\s+/)[1] ?? '', 'base64')
}

/** A running sshd. */
export interface Sshd {
  readonly host: '127.0.0.1'
  readonly port: number
  readonly dir: string
  /** The ed25519 host public key line (`ssh-ed25519 AAAA… comment`). */
  readonly hostPub: string
  /** The ECDSA host public key line when started with `ecdsaHostKey`. */
  readonly ecdsaHostPub: string | null
  /** OpenSSH's own fingerprint line of the host key (`ssh-keygen -lf`). */
  readonly hostFingerprint: string
  readonly authorizedKeys: string
  pid(): number
  /** sshd's log so far (stderr, LogLevel VERBOSE). */
  log(): string
  /** Stops sshd and every session process under it. */
  stop(): Promise<void>
  /** Starts it again on the same port with the same keys. */
  restart(): Promise<void>
  /** SIGSTOP / SIGCONT sshd and all its children (a "dead" server whose TCP stays up). */
  freeze(): Promise<void>
  thaw(): Promise<void>
  /** Command lines of every process below sshd (sessions and their commands). */
  descendants(): Promise<Array<{ pid: number; args: string }>>
}

/** Options of `startSshd`. */
export interface SshdOptions {
  /** Extra sshd_config lines. */
  readonly config?: readonly string[]
  /** Reuse a host key directory from another sshd (same identity). */
  readonly hostKeyFrom?: string
  /** Also serve an ECDSA host key (listed after ed25519). Its `.pub` line is `ecdsaHostPub`. */
  readonly ecdsaHostKey?: boolean
}

async function waitListening(child: ChildProcess, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = ''
    const onData = (d: Buffer): void => {
      log += d.toString()
      if (log.includes(`Server listening on 127.0.0.1 port ${port}`)) {
        child.stderr?.off('data', onData)
        resolve()
      }
    }
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`sshd exited ${code}: ${log}`)))
  })
}

async function procTable(): Promise<Map<number, { ppid: number; args: string }>> {
  const table = new Map<number, { ppid: number; args: string }>()
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = await readFile(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      const args = (await readFile(`/proc/${name}/cmdline`, 'utf8')).split('\0').join(' ').trim()
      table.set(Number(name), { ppid, args })
    } catch {
      // process vanished
    }
  }
  return table
}

async function descendantsOf(root: number): Promise<Array<{ pid: number; args: string }>> {
  const table = await procTable()
  const out: Array<{ pid: number; args: string }> = []
  const queue = [root]
  while (queue.length > 0) {
    const p = queue.shift() as number
    for (const [pid, info] of table) {
      if (info.ppid === p) {
        out.push({ pid, args: info.args })
        queue.push(pid)
      }
    }
  }
  return out
}

function signalAll(pids: number[], sig: NodeJS.Signals): void {
  for (const p of pids) {
    try {
      process.kill(p, sig)
    } catch {
      // gone
    }
  }
}

/** Starts sshd; resolves once it listens. The caller must `stop()` it. */
export async function startSshd(options: SshdOptions = {}): Promise<Sshd> {
  requireSystemDeps(['root', 'sshd', 'ssh-keygen'])
  await mkdir('/run/sshd', { recursive: true, mode: 0o755 }) // privilege separation dir
  const dir = await mkdtemp(join(tmpdir(), 'replab-sshd-'))
  await chmod(dir, 0o755) // sessions run as the test user and must read authorized_keys
  const keyDir = options.hostKeyFrom ?? dir
  if (!options.hostKeyFrom) await makeKey(dir, 'ssh_host_ed25519_key')
  const ecdsa = options.ecdsaHostKey ? await makeKey(dir, 'ssh_host_ecdsa_key', 'ecdsa') : null
  const hostPub = (await readFile(join(keyDir, 'ssh_host_ed25519_key.pub'), 'utf8')).trim()
  const fp = (await run('ssh-keygen', ['-lf', join(keyDir, 'ssh_host_ed25519_key.pub')])).stdout
  const authorizedKeys = join(dir, 'authorized_keys')
  await writeFile(authorizedKeys, '', { mode: 0o644 })
  const port = await freePort()
  const cfg = join(dir, 'sshd_config')
  await writeFile(
    cfg,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(keyDir, 'ssh_host_ed25519_key')}`,
      ...(ecdsa ? [`HostKey ${ecdsa.path}`] : []),
      `AuthorizedKeysFile ${authorizedKeys}`,
      'PidFile none',
      'UsePAM no',
      'StrictModes no',
      'PermitRootLogin yes',
      'PasswordAuthentication yes',
      'KbdInteractiveAuthentication no',
      'AllowTcpForwarding yes',
      'LogLevel VERBOSE',
      ...(options.config ?? []),
      '',
    ].join('\n'),
  )
  let child = await spawnSshd(cfg, port)
  const sshd: Sshd = {
    host: '127.0.0.1',
    port,
    dir,
    hostPub,
    ecdsaHostPub: ecdsa?.pub ?? null,
    hostFingerprint: fp.split(/\s+/)[1] ?? '',
    authorizedKeys,
    pid: () => child.pid ?? -1,
    log: () => logs.get(cfg) ?? '',
    descendants: () => descendantsOf(child.pid ?? -1),
    stop: async () => {
      // freeze the tree first (stopped processes cannot fork), then kill all of it
      const all = await freezeTree(child.pid ?? -1)
      signalAll(all, 'SIGKILL')
      signalAll(all, 'SIGCONT')
      await killAndWait(child)
    },
    restart: async () => {
      await sshd.stop()
      child = await spawnSshd(cfg, port)
    },
    freeze: async () => {
      await freezeTree(child.pid ?? -1)
    },
    thaw: async () => {
      const kids = await descendantsOf(child.pid ?? -1)
      signalAll([child.pid ?? -1, ...kids.map((k) => k.pid)], 'SIGCONT')
    },
  }
  return sshd
}

/** SIGSTOPs a process and its descendants; two passes catch a fork racing the first one. */
async function freezeTree(root: number): Promise<number[]> {
  const seen = new Set<number>([root])
  for (let pass = 0; pass < 2; pass++) {
    const kids = await descendantsOf(root)
    for (const k of kids) seen.add(k.pid)
    signalAll([...seen], 'SIGSTOP')
  }
  return [...seen]
}

/** Last 256 KiB of each sshd's log (LogLevel VERBOSE on stderr), by config path. */
const logs = new Map<string, string>()

async function spawnSshd(cfg: string, port: number): Promise<ChildProcess> {
  const child = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] })
  await waitListening(child, port)
  child.stderr?.on('data', (d: Buffer) => {
    logs.set(cfg, ((logs.get(cfg) ?? '') + d.toString()).slice(-256 * 1024))
    if (process.env['REPLAB_SSHD_LOG']) process.stderr.write(d)
  })
  return child
}

function killAndWait(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGKILL')
  })
}

/** Appends a public key line to an sshd's authorized_keys. */
export async function authorize(sshd: Sshd, pubLine: string): Promise<void> {
  const cur = await readFile(sshd.authorizedKeys, 'utf8')
  await writeFile(sshd.authorizedKeys, `${cur}${pubLine}\n`)
}

/** A throwaway local user for password auth (root only). */
export interface TestUser {
  readonly name: string
  readonly password: string
  remove(): Promise<void>
}

/** Creates a user with shell /bin/sh and a random password; `remove()` deletes it. */
export async function createTestUser(): Promise<TestUser> {
  requireSystemDeps(['root', 'useradd', 'chpasswd', 'userdel'])
  const name =
    `rlt${process.pid.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`.slice(0, 30)
  const home = await mkdtemp(join(tmpdir(), 'replab-user-'))
  const password = `pw-${Math.random().toString(36).slice(2)}-${Date.now().toString(36)}`
  await run('useradd', ['-M', '-d', home, '-s', '/bin/sh', name])
  await chmod(home, 0o755)
  const chpasswd = spawn('chpasswd', [], { stdio: ['pipe', 'ignore', 'inherit'] })
  chpasswd.stdin.end(`${name}:${password}\n`)
  await new Promise((resolve) => chpasswd.once('exit', resolve))
  return {
    name,
    password,
    remove: async () => {
      await run('userdel', ['-f', name]).catch(() => undefined)
      await rm(home, { recursive: true, force: true })
    },
  }
}

/** Removes a temporary directory tree (sshd dirs, key dirs). */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}
