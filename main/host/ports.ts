import type { Readable } from 'node:stream'

/**
 * The only way main/host and main/engine reach a host: a command runner. main/ssh implements
 * it over ssh2; tests implement it with fakes or over SSH to labsim.
 */

/** Options of one remote command. `timeoutMs` is required: every host operation has one. */
export interface ExecOptions {
  /** Kill the remote command and reject with `ssh-timeout` after this many ms. */
  readonly timeoutMs: number
  /** Abort: closes the channel, kills the remote process group, rejects with `aborted`. */
  readonly signal?: AbortSignal
  /** Bytes written to the command's stdin, then EOF. */
  readonly stdin?: string
  /**
   * Why this command takes the device away and back (e.g. `PCI unbind of 0000:08:00.0`), set by
   * the engine from the operation's module (`OperationModule.dropReason`). Runners ignore it; a
   * wrapping runner (main/service/expected-drop.ts) parks terminal panes on it.
   */
  readonly drop?: string
  /**
   * A read to run in the same exec once the command returned (read-after-write without a second
   * round trip; read-after.ts composes them). The result's `stdout`, `stderr`, `code` and
   * `durationMs` stay the command's own; the read's output comes back as `ExecResult.after`.
   * A runner that cannot fuse ignores it (no `after`), and the caller reads separately.
   */
  readonly readAfter?: ReadAfter
}

/**
 * A read-only shell script run after a command in the same exec (`ExecOptions.readAfter`): its
 * first stdin line is `stdin` (discovery-script.ts reads its marker that way). Its stderr is
 * discarded so the command's stderr stays the command's.
 */
export interface ReadAfter {
  readonly script: string
  readonly stdin: string
}

/** Outcome of one remote command. `code` is null when it died of `signal`. */
export interface ExecResult {
  readonly stdout: string
  readonly stderr: string
  readonly code: number | null
  readonly signal: string | null
  /** Wall time from issue to channel close, ms; with `readAfter`, until the command returned. */
  readonly durationMs: number
  /**
   * The `readAfter` script's stdout and its wall time (ms, from the command's return to channel
   * close). Absent when no read was asked, the runner cannot fuse, or the command ended the shell
   * (`exit`, `exec`, killed) before the read.
   */
  readonly after?: { readonly stdout: string; readonly durationMs: number }
}

/** Options of a long-running output stream (monitors, trace_pipe, dmesg -w). */
export interface StreamOptions {
  readonly signal: AbortSignal
  /**
   * Keep the command's stdin open until the stream ends (default false: EOF at once). A lock
   * holder such as `flock … exec cat` relies on it: `cat` exits, and the lock is released,
   * when the channel closes — also when the console dies and sshd closes the session.
   */
  readonly keepStdinOpen?: boolean
}

/**
 * Runs shell commands on one host.
 *
 * `exec` rejects with a `LabError` (`ssh-timeout`, `aborted`, `channel-open-failed`,
 * `ssh-connect`); a non-zero exit is *not* an error, it is `code`.
 * `stream` yields stdout bytes with backpressure; it ends when the command exits or the signal aborts.
 */
export interface CommandRunner {
  /** `user@host:port`, used in every error message. */
  readonly target: string
  /**
   * SHA256 fingerprint (`SHA256:…`, as OpenSSH prints it) of the host key this runner's
   * connection verified, when it has one (SSH runners do; fakes may not). Wrappers forward it.
   */
  readonly hostKey?: string | undefined
  exec(command: string, options: ExecOptions): Promise<ExecResult>
  stream(command: string, options: StreamOptions): Readable
}
