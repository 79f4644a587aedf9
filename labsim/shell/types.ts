import type { Vfs } from '../vfs/vfs'
import type { InStream, OutStream } from './streams'

/** The three standard streams of a command. */
export interface Io {
  readonly stdin: InStream
  readonly stdout: OutStream
  readonly stderr: OutStream
}

/** What one command invocation gets. */
export interface CommandContext {
  /** argv[0] is the command name as typed. */
  readonly argv: string[]
  readonly io: Io
  /** Aborts when the channel closes, a `signal` request arrives, `kill` or `timeout` fires. */
  readonly signal: AbortSignal
  /** Variables visible to the command (shell variables plus prefix assignments). */
  readonly env: ReadonlyMap<string, string>
  /** The system the command runs on. */
  readonly sys: ShellSystem
  /** Runs a nested shell script (`sh -c`, `flock … -c`, `timeout … sh -c`). */
  runScript(
    script: string,
    args: string[],
    io: Io,
    signal: AbortSignal,
    dash: boolean,
  ): Promise<number>
  /** Runs argv as a command (`exec`, `timeout`, `flock`, `command`). */
  runArgv(argv: string[], io: Io, signal: AbortSignal): Promise<number>
}

/** An executable: resolves to the exit status (0–255). Never rejects except on abort. */
export type Command = (ctx: CommandContext) => Promise<number>

/** One running background or foreground process of a host (for `kill`, `$!`). */
export interface ProcessEntry {
  readonly pid: number
  readonly command: string
  readonly abort: AbortController
}

/** The host the shell runs on: filesystem, external commands, processes, locks. */
export interface ShellSystem {
  readonly hostname: string
  readonly vfs: Vfs
  /** External commands by name (`devlink`, `cat`, …). */
  readonly commands: ReadonlyMap<string, Command>
  /** Allocates a pid and registers a process; `release` removes it. */
  spawn(command: string, abort: AbortController): { pid: number; release(): void }
  /** Process lookup for `kill`. */
  process(pid: number): ProcessEntry | undefined
  /** flock(1) lock table: see labsim/model/locks.ts. */
  readonly locks: LockTable
  /** Called before every command runs (fault injection: `hang <substring>`). */
  beforeCommand?(argv: string[], signal: AbortSignal): Promise<void>
}

/** Advisory whole-file locks shared by every channel of a host (flock(2) LOCK_EX semantics). */
export interface LockTable {
  /** Takes the lock for `owner`; resolves false if `wait` is false and someone else holds it. */
  acquire(path: string, owner: symbol, wait: boolean, signal: AbortSignal): Promise<boolean>
  release(path: string, owner: symbol): void
}
