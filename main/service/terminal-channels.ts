import { quote } from 'shell-quote'

import type { TerminalKind, TerminalOpenRequest } from '../../contract'
import type { EngineBridge } from './engine-bridge'
import type { HostSessions } from './host-sessions'
import type { TerminalChannel } from './terminals'

/**
 * Opens the remote side of a terminal pane on the host's *interactive* connection, so a flooded
 * pane can never starve the engine's control connection (issue 4, control connection).
 * Read-only panes are exec streams (Ctrl-C kills the remote process group); the shell is a PTY.
 */
export async function openTerminalChannel(
  sessions: HostSessions,
  engine: EngineBridge,
  hostId: string,
  request: TerminalOpenRequest,
  signal: AbortSignal,
): Promise<TerminalChannel> {
  const conn = await (await sessions.get(hostId)).interactive()
  const command = terminalCommand(request.kind, await engine.tracingRoot(hostId), request.filter)
  if (command === null) {
    const shell = await conn.shell({ cols: request.cols, rows: request.rows }, signal)
    return {
      output: shell.stream,
      write: (data) => shell.stream.write(data),
      interrupt: () => shell.stream.write('\x03'),
      resize: (cols, rows) => shell.resize(cols, rows),
      close: () => shell.close(),
    }
  }
  const abort = new AbortController()
  signal.addEventListener('abort', () => abort.abort(), { once: true })
  const output = conn.stream(command, { signal: abort.signal })
  return {
    output,
    write: () => {},
    interrupt: () => abort.abort(),
    resize: () => {},
    close: () => {
      abort.abort()
      output.destroy()
    },
  }
}

/** The remote command behind a read-only pane kind; `null` for the interactive shell. */
export function terminalCommand(
  kind: TerminalKind,
  tracingRoot: string,
  filter?: string,
): string | null {
  switch (kind) {
    case 'trace':
      return `cat ${tracingRoot}/trace_pipe`
    case 'dmesg':
      return filter ? `dmesg -w | grep --line-buffered -F -e ${quote([filter])}` : 'dmesg -w'
    case 'devlink-monitor':
      return 'devlink monitor'
    case 'shell':
      return null
  }
}
