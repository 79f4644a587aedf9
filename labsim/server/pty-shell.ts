import type { ServerChannel } from 'ssh2'
import type { SimHost } from '../host'
import { Shell } from '../shell/interp'
import type { OutStream } from '../shell/streams'
import type { ShellSystem } from '../shell/types'
import { Pipe } from '../shell/streams'
import { channelSink } from './channel-io'

/**
 * The interactive shell channel: a prompt `root@sim-a:~# `, echo and line editing
 * (backspace, Ctrl-U), Ctrl-C interrupts the running command (or discards the line),
 * Ctrl-D on an empty line logs out. Output goes through onlcr (`\n` → `\r\n`); while a command
 * runs, typed input is its stdin. Every line is appended to the host's command log.
 *
 * The shell is a `-bash` process of the host; each command line it runs is a foreground process
 * of its own (`SimHost.processes()`, command = the line as typed) until it finishes or Ctrl-C
 * kills it. Ctrl-C is read even while the command's output is blocked on a full channel (the
 * client stopped reading): the blocked write is interrupted, so the command ends at once.
 */
export function runInteractiveShell(
  host: SimHost,
  stream: ServerChannel,
  env: Map<string, string>,
): void {
  const session = new PtySession(host, stream, env)
  session.start()
}

class PtySession {
  private line = ''
  private running: AbortController | undefined
  private stdin: Pipe | undefined
  private escape = false
  private readonly sys: ShellSystem
  private readonly shell: Shell
  private readonly out: OutStream
  private readonly release: () => void

  constructor(
    private readonly host: SimHost,
    private readonly stream: ServerChannel,
    env: Map<string, string>,
  ) {
    this.sys = host.system()
    const proc = this.sys.spawn('-bash', new AbortController())
    this.release = proc.release
    this.shell = new Shell(this.sys, proc.pid, 'interactive')
    for (const [k, v] of env) this.shell.vars.set(k, v)
    this.out = channelSink(stream, true)
  }

  start(): void {
    this.stream.on('close', () => {
      this.running?.abort()
      this.release()
    })
    this.write(this.prompt())
    this.stream.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) this.onChar(ch)
    })
  }

  private write(text: string): void {
    void this.out.write(text).catch(() => undefined)
  }

  private prompt(): string {
    const cwd = this.shell.cwd
    const shown = cwd === '/root' ? '~' : cwd.startsWith('/root/') ? `~${cwd.slice(5)}` : cwd
    return `root@${this.host.name}:${shown}# `
  }

  private onChar(ch: string): void {
    if (this.escape) {
      if (/[A-Za-z~]/.test(ch)) this.escape = false
      return
    }
    if (ch === '\x1b') this.escape = true
    else if (this.running) this.onRunningChar(ch)
    else if (ch === '\r' || ch === '\n') void this.submit()
    else if (ch === '\x7f' || ch === '\b') this.backspace()
    else if (ch === '\x03') {
      this.line = ''
      this.write(`^C\n${this.prompt()}`)
    } else if (ch === '\x15') {
      this.write('\b \b'.repeat(this.line.length))
      this.line = ''
    } else if (ch === '\x04') this.logoutIfEmpty()
    else if (ch >= ' ') {
      this.line += ch
      this.write(ch)
    }
  }

  private backspace(): void {
    if (this.line.length === 0) return
    this.line = this.line.slice(0, -1)
    this.write('\b \b')
  }

  private logoutIfEmpty(): void {
    if (this.line !== '') return
    this.write('logout\n')
    this.stream.exit(0)
    this.stream.end()
  }

  private onRunningChar(ch: string): void {
    if (ch === '\x03') {
      this.write('^C')
      this.running?.abort()
    } else if (ch === '\x04') this.stdin?.end()
    else {
      const text = ch === '\r' ? '\n' : ch
      this.write(text)
      void this.stdin?.write(text).catch(() => undefined)
    }
  }

  private async submit(): Promise<void> {
    const command = this.line
    this.line = ''
    this.write('\n')
    if (command.trim() === '') return this.write(this.prompt())
    this.host.logCommand('shell', command)
    const abort = new AbortController()
    const proc = this.sys.spawn(command, abort)
    this.running = abort
    this.stdin = new Pipe()
    // The command's own view of the terminal: its writes stop blocking when it is interrupted.
    const out = channelSink(this.stream, true, abort.signal)
    await this.shell
      .run(command, { stdin: this.stdin, stdout: out, stderr: out }, abort.signal)
      .catch(() => 1)
    proc.release()
    this.running = undefined
    this.stdin = undefined
    if (abort.signal.aborted) this.write('\n')
    if (/^\s*(exit|logout)\b/.test(command)) {
      this.stream.exit(this.shell.status)
      this.stream.end()
    } else if (!this.stream.destroyed) this.write(this.prompt())
  }
}
