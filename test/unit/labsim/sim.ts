import { SimHost } from '../../../labsim/host'
import { resolveHosts } from '../../../labsim/scenario'
import type { LabScenario } from '../../../labsim/scenario'
import { Shell } from '../../../labsim/shell/interp'
import { BufferSink, stringInput } from '../../../labsim/shell/streams'

/** Output of one in-process command. */
export interface RunResult {
  stdout: string
  stderr: string
  code: number
}

/** A simulated host driven in-process (no SSH) through the same interpreter the server uses. */
export interface TestHost {
  host: SimHost
  run(command: string, stdin?: string): Promise<RunResult>
  /** Runs a command in the background; `stop()` aborts it and returns what it printed. */
  start(command: string): { stop(): Promise<RunResult>; output(): string }
}

/** Creates a host (default: one CX-6 Dx, profile fixed) at a fast speed. */
export function testHost(
  profile: 'fixed' | 'pre-series' = 'fixed',
  scenario?: LabScenario,
  speed = 0.002,
): TestHost {
  const host = new SimHost(resolveHosts(1, profile, scenario)[0]!, speed)
  const run = async (command: string, stdin = ''): Promise<RunResult> => {
    const out = new BufferSink()
    const err = new BufferSink()
    const shell = new Shell(host.system(), 4242, 'bash')
    const code = await shell.run(
      command,
      { stdin: stringInput(stdin), stdout: out, stderr: err },
      new AbortController().signal,
    )
    return { stdout: out.text, stderr: err.text, code }
  }
  const start = (command: string): { stop(): Promise<RunResult>; output(): string } => {
    const out = new BufferSink()
    const err = new BufferSink()
    const abort = new AbortController()
    const shell = new Shell(host.system(), 4243, 'bash')
    const done = shell.run(
      command,
      { stdin: stringInput(''), stdout: out, stderr: err },
      abort.signal,
    )
    return {
      output: () => out.text,
      stop: async () => {
        abort.abort()
        const code = await done
        return { stdout: out.text, stderr: err.text, code }
      },
    }
  }
  return { host, run, start }
}
