import type { Client, ClientChannel } from 'ssh2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Lab } from '../../../labsim/index'
import { startLab } from '../../../labsim/index'
import { poll } from '../../helpers/poll'
import { connect, exec } from './ssh-helpers'

let lab: Lab

beforeAll(async () => {
  lab = await startLab({ hosts: 2, speed: 0.005 })
})
afterAll(async () => {
  await lab?.stop()
})

/** Opens an exec channel and resolves once `marker` appears on stdout. */
function openUntil(
  client: Client,
  command: string,
  marker: string,
): Promise<{
  stream: ClientChannel
  closed: Promise<{ code: number | null; signal: string | null }>
}> {
  return new Promise((resolve, reject) => {
    client.exec(command, (err, stream) => {
      if (err) return reject(err)
      let out = ''
      let code: number | null = null
      let signal: string | null = null
      stream.on('exit', (c: number | null, s?: string) => ((code = c), (signal = s ?? null)))
      const closed = new Promise<{ code: number | null; signal: string | null }>((r) =>
        stream.on('close', () => r({ code, signal })),
      )
      stream.on('data', (d: Buffer) => {
        out += d.toString()
        if (out.includes(marker)) resolve({ stream, closed })
      })
    })
  })
}

const lockCmd = (owner: string): string =>
  `mkdir -p /run/replab && flock -n -E 75 /run/replab/pci-0000-08-00.0.lock sh -c 'echo "$0" > /run/replab/pci-0000-08-00.0.owner && echo locked && exec cat' '${owner}'`

describe('advisory lock exactly as flock(1) (issue 3 "Shell and serving")', () => {
  it('holds the lock while cat waits on stdin, refuses a second holder with 75, releases on close', async () => {
    const a = await connect(lab.hosts[0]!)
    const b = await connect(lab.hosts[0]!)
    const held = await openUntil(a, lockCmd('console-1 pid 10'), 'locked\n')
    expect(await exec(b, lockCmd('console-2 pid 20'))).toMatchObject({ code: 75, stdout: '' })
    expect((await exec(b, 'cat /run/replab/pci-0000-08-00.0.owner')).stdout).toBe(
      'console-1 pid 10\n',
    )
    held.stream.close()
    await held.closed
    const again = await openUntil(b, lockCmd('console-2 pid 20'), 'locked\n')
    again.stream.end()
    expect((await again.closed).code).toBe(0)
    a.end()
    b.end()
  })
})

describe('signals, shell channel, reboot and disconnect (issue 3 "Shell and serving")', () => {
  it('a signal request aborts a streaming command and reports the signal', async () => {
    const c = await connect(lab.hosts[1]!)
    const { stream, closed } = await openUntil(c, 'echo start; dmesg -w', 'start\n')
    stream.signal('INT')
    // ssh2's client renders the RFC 4254 signal name `INT` as `SIGINT`
    expect(await closed).toEqual({ code: null, signal: 'SIGINT' })
    c.end()
  })

  it('shell channel: PTY prompt, echo, Ctrl-C interrupts a blocking command, Ctrl-D logs out', async () => {
    const c = await connect(lab.hosts[1]!)
    const shell = await new Promise<ClientChannel>((resolve, reject) =>
      c.shell({ cols: 100, rows: 30, term: 'xterm-256color' }, (e, s) =>
        e ? reject(e) : resolve(s),
      ),
    )
    let screen = ''
    const waiters: (() => void)[] = []
    shell.on('data', (d: Buffer) => {
      screen += d.toString()
      for (const w of waiters.splice(0)) w()
    })
    const waitFor = async (text: string): Promise<void> => {
      while (!screen.includes(text)) await new Promise<void>((r) => waiters.push(r))
    }
    await waitFor('root@sim-b:~# ')
    shell.write('echo hi\x7fo\r')
    await waitFor('ho\r\nroot@sim-b:~# ')
    shell.write('cat /sys/kernel/debug/tracing/trace_pipe\r')
    shell.write('\x03')
    await waitFor('trace_pipe\r\n^C\r\nroot@sim-b:~# ')
    const closed = new Promise<void>((r) => shell.on('close', () => r()))
    shell.write('\x04')
    await closed
    expect(
      lab
        .host('sim-b')
        .commandLog.filter((e) => e.channel === 'shell')
        .map((e) => e.command),
    ).toEqual(['echo ho', 'cat /sys/kernel/debug/tracing/trace_pipe'])
    c.end()
  })
})

describe('command log, reboot, disconnect, inject detection (issue 3 "Timing and faults")', () => {
  it('logs every exec command string that reached the remote shell', async () => {
    const c = await connect(lab.hosts[1]!)
    await exec(c, "echo 'a; b' | cat")
    expect(lab.host('sim-b').commandLog.at(-1)).toMatchObject({
      channel: 'exec',
      command: "echo 'a; b' | cat",
    })
    c.end()
  })

  it('reboot via the inject file: sessions drop, same port and host key, new boot id', async () => {
    const info = lab.hosts[0]!
    const c = await connect(info)
    const boot = (await exec(c, 'cat /proc/sys/kernel/random/boot_id')).stdout
    const dropped = new Promise<void>((r) => c.on('close', () => r()))
    await exec(c, 'echo reboot > /sys/kernel/debug/labsim/inject')
    await dropped
    const again = await poll(() => connect(info), {
      what: 'labsim to accept connections on the same port after the reboot',
    })
    expect((await exec(again, 'cat /proc/sys/kernel/random/boot_id')).stdout).not.toBe(boot)
    again.end()
  })

  it('disconnect fault drops the connection', async () => {
    const c = await connect(lab.hosts[1]!)
    const dropped = new Promise<void>((r) => c.on('close', () => r()))
    await lab.host('sim-b').inject({ kind: 'disconnect' })
    await dropped
  })

  it('detects fault-injection support with [ -e … ] and rejects bad inject lines with EINVAL', async () => {
    const c = await connect(lab.hosts[1]!)
    expect((await exec(c, '[ -e /sys/kernel/debug/labsim/inject ] && echo yes')).stdout).toBe(
      'yes\n',
    )
    expect(await exec(c, 'echo bogus > /sys/kernel/debug/labsim/inject')).toMatchObject({
      code: 1,
      stderr: 'bash: line 1: echo: write error: Invalid argument\n',
    })
    c.end()
  })
})
