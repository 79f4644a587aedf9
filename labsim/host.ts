import { bootKernel } from './model/boot'
import { SimClock, sleepReal } from './model/clock'
import { KernelError } from './model/errno'
import { injectFwAssert } from './model/health'
import type { Kernel } from './model/kernel'
import type { HostSpec } from './scenario'
import type { Command, ProcessEntry, ShellSystem } from './shell/types'
import { makeCommands } from './tools/index'
import type { Tmpfs } from './vfs/root'
import { buildRoot, newTmpfs } from './vfs/root'
import { Vfs } from './vfs/vfs'
import { hostState } from './state'

/** A fault to inject (same meaning as the lines of `/sys/kernel/debug/labsim/inject`). */
export type Fault =
  | { readonly kind: 'fw-assert'; readonly handle: string }
  | { readonly kind: 'ib-rep-load-fail'; readonly handle: string; readonly vport: number }
  | { readonly kind: 'hang'; readonly pattern?: string }
  | { readonly kind: 'slow'; readonly factor: number }
  | { readonly kind: 'disconnect' }
  | { readonly kind: 'reboot' }
  | { readonly kind: 'clear' }

/** One command string that reached the simulated remote shell. */
export interface CommandLogEntry {
  /** ms since the epoch. */
  readonly at: number
  readonly channel: 'exec' | 'shell'
  readonly command: string
}

/** What the SSH layer registers so the host can drop sessions and restart. */
export interface HostTransport {
  disconnectAll(): void
  restart(): Promise<void>
}

/** Parses an inject line (`fw-assert pci/0000:08:00.0`, `slow 4`, …); EINVAL when malformed. */
export function parseFault(line: string): Fault {
  const [kind, a, b] = line.trim().split(/\s+/)
  if (kind === 'fw-assert' && a) return { kind, handle: a }
  if (kind === 'ib-rep-load-fail' && a && b && /^\d+$/.test(b))
    return { kind, handle: a, vport: Number(b) }
  if (kind === 'hang') return a ? { kind, pattern: line.trim().slice(5) } : { kind }
  if (kind === 'slow' && a && Number(a) > 0) return { kind, factor: Number(a) }
  if ((kind === 'disconnect' || kind === 'reboot' || kind === 'clear') && !a) return { kind }
  throw new KernelError('EINVAL')
}

/**
 * One simulated hypervisor: its kernel model, filesystem, commands, processes and command log.
 *
 * `restart()` reboots (new boot id, fresh kernel state from the spec, sessions dropped) and the
 * SSH transport listens again on the same port with the same host key.
 */
export class SimHost {
  kernel: Kernel
  vfs: Vfs
  commands: Map<string, Command>
  readonly commandLog: CommandLogEntry[] = []
  readonly clock: SimClock
  transport?: HostTransport
  private tmpfs: Tmpfs = newTmpfs()
  private readonly procs = new Map<number, ProcessEntry>()
  private nextPid = 1000

  constructor(
    readonly spec: HostSpec,
    speed: number,
  ) {
    this.clock = new SimClock(speed)
    this.kernel = bootKernel(spec, this.clock)
    this.vfs = this.buildVfs()
    this.commands = makeCommands(this.kernel)
  }

  get name(): string {
    return this.spec.name
  }

  private buildVfs(): Vfs {
    return new Vfs(
      buildRoot(this.kernel, this.tmpfs, { inject: (line) => this.inject(parseFault(line)) }),
    )
  }

  /** The shell's view of this host (re-read on every call so a reboot takes effect). */
  system(): ShellSystem {
    return {
      hostname: this.name,
      vfs: this.vfs,
      commands: this.commands,
      locks: this.kernel.locks,
      spawn: (command, abort) => {
        const pid = this.nextPid++
        this.procs.set(pid, { pid, command, abort })
        return { pid, release: () => this.procs.delete(pid) }
      },
      process: (pid) => this.procs.get(pid),
      beforeCommand: (argv, signal) => this.beforeCommand(argv, signal),
    }
  }

  /**
   * The process table, like `ps -eo pid,args`, ascending by pid (from 1000): one entry per exec
   * channel command (the command string as sent), per interactive shell (`-bash`), per command
   * line running in the foreground of one (the line as typed), per background job (`background
   * job`). An entry is gone once its command finished or was killed (Ctrl-C, a `signal` request,
   * the channel closing, `kill`, reboot). A snapshot: changing the array changes nothing.
   */
  processes(): Array<{ pid: number; command: string }> {
    return [...this.procs.values()]
      .map(({ pid, command }) => ({ pid, command }))
      .sort((a, b) => a.pid - b.pid)
  }

  private async beforeCommand(argv: string[], signal: AbortSignal): Promise<void> {
    const line = argv.join(' ')
    if (this.kernel.hangPatterns.some((p) => line.includes(p))) await sleepReal(2 ** 31 - 1, signal)
  }

  /** Appends to the command log (called by the SSH layer for every exec and shell line). */
  logCommand(channel: 'exec' | 'shell', command: string): void {
    this.commandLog.push({ at: Date.now(), channel, command })
  }

  /** The model as plain JSON (PFs, VFs, reps per vport and type, netdevs, RDMA devices, …). */
  state(): ReturnType<typeof hostState> {
    return hostState(this.kernel)
  }

  /** Injects a fault (or an inject-file line). Throws `KernelError` EINVAL/ENODEV on bad input. */
  async inject(fault: Fault | string): Promise<void> {
    const f = typeof fault === 'string' ? parseFault(fault) : fault
    switch (f.kind) {
      case 'fw-assert':
        return injectFwAssert(this.kernel, this.pfByHandle(f.handle))
      case 'ib-rep-load-fail':
        this.pfByHandle(f.handle).ibLoadFail.add(f.vport)
        return
      case 'hang':
        if (f.pattern) this.kernel.hangPatterns.push(f.pattern)
        else this.kernel.hangPatterns.splice(0)
        return
      case 'slow':
        this.clock.slowFactor = f.factor
        return
      case 'disconnect':
        setTimeout(() => this.disconnectAll(), 20)
        return
      case 'reboot':
        setTimeout(() => void this.restart(), 20)
        return
      case 'clear':
        return this.disarm()
    }
  }

  /**
   * `clear`: disarms every fault still waiting to fire (IB rep load failures not yet hit, hang
   * patterns) and sets the speed back to `slow 1`. Faults that already fired stay fired (a
   * firmware assert's recovery runs on; a dropped session stays dropped).
   */
  private disarm(): void {
    for (const pf of this.kernel.pfs) pf.ibLoadFail.clear()
    this.kernel.hangPatterns.splice(0)
    this.clock.slowFactor = 1
  }

  private pfByHandle(handle: string): NonNullable<ReturnType<Kernel['pf']>> {
    const pf = this.kernel.pf(handle.replace(/^pci\//, ''))
    if (!pf) throw new KernelError('ENODEV')
    return pf
  }

  /** Drops every SSH session of this host. */
  disconnectAll(): void {
    this.transport?.disconnectAll()
  }

  /** Reboots: kills processes, new boot id and kernel state, sessions dropped, same port and key. */
  async restart(): Promise<void> {
    for (const proc of this.procs.values()) proc.abort.abort()
    this.procs.clear()
    this.kernel.locks.clear()
    this.clock.reboot()
    this.clock.slowFactor = 1
    this.tmpfs = newTmpfs()
    this.kernel = bootKernel(this.spec, this.clock)
    this.vfs = this.buildVfs()
    this.commands = makeCommands(this.kernel)
    await this.transport?.restart()
  }
}
