import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'

import { Client } from 'ssh2'

import { freePort } from './sshd'

/**
 * The optional real-kernel lab: a QEMU VM with Debian's stock kernel, the upstream netdevsim
 * driver and, with `PCI_VFS=N`, an emulated NVMe controller that is a real PCI SR-IOV PF. The VM
 * tools live outside this repository (`../shared/netdevsim-lab`, or `$REPLAB_NETDEVSIM_LAB`); the
 * image they build lives in `$WORK` (default `/var/tmp/netdevsim-lab`). Where either is missing
 * the real-kernel suite reports itself skipped with the reason; it never counts as passed.
 *
 * Setup and checks in the suite go through `ssh2` directly (`LabVm.sh`), not through replab's own
 * SSH layer, so what the kernel did is read independently of the code under test.
 */

const run = promisify(execFile)
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** Number of VFs the emulated NVMe PF offers (`PCI_VFS` of start.sh). */
export const PCI_VFS = 4

/** BDF of the emulated NVMe PF on the VM's q35 machine (root port 1, device 0). */
export const NVME_PF = '0000:01:00.0'

/** Where the lab tools and the built image are, or why the suite cannot run. */
export type LabLocation =
  | { readonly ok: true; readonly dir: string; readonly work: string }
  | { readonly ok: false; readonly reason: string }

/** Finds the lab tools, QEMU and a built image; never throws. */
export function locateLab(env: NodeJS.ProcessEnv = process.env): LabLocation {
  const dir = env.REPLAB_NETDEVSIM_LAB ?? resolve(REPO, '../shared/netdevsim-lab')
  const work = env.WORK ?? '/var/tmp/netdevsim-lab'
  if (!existsSync(join(dir, 'start.sh')))
    return { ok: false, reason: `no netdevsim lab at ${dir} (set REPLAB_NETDEVSIM_LAB)` }
  if (!existsSync('/usr/bin/qemu-system-x86_64'))
    return {
      ok: false,
      reason: 'qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)',
    }
  if (!existsSync(join(work, 'image', 'vmlinuz')))
    return { ok: false, reason: `no VM image in ${work}/image: run ${dir}/build.sh` }
  return { ok: true, dir, work }
}

/** What the global set-up hands to the test files (`inject('realkernel')`). */
export type VmHandle =
  | {
      readonly ok: true
      readonly port: number
      readonly dir: string
      readonly work: string
      readonly bootSeconds: number
    }
  | { readonly ok: false; readonly reason: string }

/**
 * Boots the VM with `PCI_VFS` VFs on a free loopback port; resolves when SSH answers. One vCPU
 * (`SMP=1`, `$REPLAB_VM_SMP` to change): with start.sh's default of two, multi-threaded TCG on a
 * 2-core machine that also runs the tests once starved the guest's second CPU (RCU stall, "timer
 * handling issue on cpu=1") in the middle of a VF probe, and the guest stopped answering SSH.
 */
export async function bootVm(lab: Extract<LabLocation, { ok: true }>): Promise<VmHandle> {
  const port = await freePort()
  const env = {
    ...process.env,
    ...{ WORK: lab.work, PCI_VFS: String(PCI_VFS), WAIT: '180' },
    SMP: process.env.REPLAB_VM_SMP ?? '1',
  }
  try {
    await run(join(lab.dir, 'start.sh'), [String(port)], { env, timeout: 240_000 })
  } catch (err) {
    const e = err as { stderr?: string; message: string }
    return { ok: false, reason: `the VM did not boot: ${(e.stderr ?? e.message).trim()}` }
  }
  const seconds = await readFile(join(lab.work, `run-${port}`, 'boot_seconds'), 'utf8')
  return { ok: true, port, dir: lab.dir, work: lab.work, bootSeconds: Number(seconds.trim()) }
}

/** Stops the VM booted on `port` (the lab's stop.sh). */
export async function stopVm(handle: VmHandle): Promise<void> {
  if (!handle.ok) return
  await run(join(handle.dir, 'stop.sh'), [String(handle.port)], {
    env: { ...process.env, WORK: handle.work },
  }).catch(() => undefined)
}

/** Result of one command on the VM. */
export interface ShResult {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
}

/** An open connection to the booted VM and what a test needs to point replab at it. */
export interface LabVm {
  /** `root@127.0.0.1:<port>`, the target replab's CLI and console take. */
  readonly target: string
  readonly port: number
  /** The lab's test-only client key, copied with mode 0600 by start.sh. */
  readonly identityFile: string
  /** A known_hosts file holding the VM's host key (pinned, never `--accept-new`). */
  readonly knownHosts: string
  /** Runs one command as root under bash; rejects after `timeoutMs` (default 60,000). */
  sh(command: string, timeoutMs?: number): Promise<ShResult>
  /** Like `sh`, but rejects naming the command, exit code and stderr when it fails. */
  ok(command: string, timeoutMs?: number): Promise<string>
  close(): void
}

/** Opens an ssh2 connection to a booted VM. */
export async function connectVm(handle: Extract<VmHandle, { ok: true }>): Promise<LabVm> {
  const identityFile = join(handle.work, 'id_ed25519')
  const hostPub = (await readFile(join(handle.dir, 'keys', 'ssh_host_ed25519_key.pub'), 'utf8'))
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ')
  const knownHosts = join(await mkdtemp(join(tmpdir(), 'replab-vm-')), 'known_hosts')
  await writeFile(knownHosts, `[127.0.0.1]:${handle.port} ${hostPub}\n`)
  const client = new Client()
  await new Promise<void>((ok, fail) => {
    client.once('ready', () => ok()).once('error', fail)
    client.connect({
      host: '127.0.0.1',
      port: handle.port,
      username: 'root',
      privateKey: readFileSync(identityFile),
      readyTimeout: 60_000,
    })
  })
  const sh = (command: string, timeoutMs = 60_000): Promise<ShResult> =>
    execOn(client, command, timeoutMs)
  return {
    target: `root@127.0.0.1:${handle.port}`,
    port: handle.port,
    identityFile,
    knownHosts,
    sh,
    async ok(command, timeoutMs) {
      const r = await sh(command, timeoutMs)
      if (r.code !== 0) throw new Error(`VM: ${command} exited ${r.code}: ${r.stderr.trim()}`)
      return r.stdout
    },
    close: () => client.end(),
  }
}

function execOn(client: Client, command: string, timeoutMs: number): Promise<ShResult> {
  return new Promise((resolveExec, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err)
      let stdout = ''
      let stderr = ''
      const timer = setTimeout(() => {
        stream.close()
        reject(new Error(`VM: ${command} did not finish within ${timeoutMs} ms`))
      }, timeoutMs)
      stream.on('data', (d: Buffer) => (stdout += d.toString()))
      stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
      stream.on('close', (code: number | null) => {
        clearTimeout(timer)
        resolveExec({ stdout, stderr, code })
      })
    })
  })
}
