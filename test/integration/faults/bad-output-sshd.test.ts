import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

import { afterAll, beforeAll, describe, expect, it } from 'vitest'

import { LabError } from '../../../contract'
import { discover } from '../../../main/host/discover'
import { startHostWatcher } from '../../../main/host/watcher'
import { connectHost, resolveTarget, type SshConnection } from '../../../main/ssh'
import { poll } from '../../helpers/poll'
import { useSshd } from '../../helpers/use-sshd'

// Issue 9, bad input from the host: a real OpenSSH sshd whose every command is replaced (sshd
// `ForceCommand`) by a script printing malformed, truncated, binary, huge (100 MB) or slow
// (1 byte per second) output. Discovery and exec through main/ssh answer a typed error or a
// partial snapshot with `errors`; nothing hangs past its timeout; the remote process is killed;
// memory stays bounded.

const SCRIPT = `#!/bin/sh
mode=$(cat "$(dirname "$0")/mode")
case "$mode" in
  malformed) printf '{"port": {"pci/0000:08:00.0/1": [1,2,\\n}}}garbage\\n' ;;
  truncated) printf '{"dev":{"pci/0000:08:00.0":{"swi' ;;
  binary) head -c 200000 /dev/urandom ;;
  huge) head -c 104857600 /dev/zero | tr '\\0' 'a' ;;
  slow) while :; do printf x; sleep 1; done ;;
esac
exit 0
`

describe('hostile host output over OpenSSH', () => {
  let conn: SshConnection

  async function mode(m: string): Promise<void> {
    await writeFile(join(rig.dir, 'mode'), m)
  }

  // Every command on this sshd runs force.sh instead, which reads its mode from the rig's dir.
  const rig = useSshd({
    user: false,
    prefix: 'replab-badout-',
    servers: async (dir) => {
      await chmod(dir, 0o755)
      await writeFile(join(dir, 'force.sh'), SCRIPT, { mode: 0o755 })
      await writeFile(join(dir, 'mode'), 'malformed')
      return [{ config: [`ForceCommand ${join(dir, 'force.sh')}`] }]
    },
  })

  beforeAll(async () => {
    const target = await resolveTarget(rig.target(), {
      configFile: null,
      identityFile: rig.key.path,
    })
    conn = await connectHost(target, {
      knownHosts: { file: join(rig.dir, 'known_hosts'), userFile: null },
      hostKeyPolicy: async () => 'trust',
      reconnect: false,
    })
  })

  afterAll(() => conn?.close())

  async function typed(p: Promise<unknown>): Promise<LabError | unknown> {
    try {
      return await p
    } catch (err) {
      expect(err, String(err)).toBeInstanceOf(LabError)
      return err
    }
  }

  for (const m of ['malformed', 'truncated', 'binary']) {
    it(`discovery on ${m} output: a snapshot with errors or a typed error, in time`, async () => {
      await mode(m)
      const started = Date.now()
      const out = await typed(discover(conn, { hostName: 'bad', timeoutMs: 5_000 }))
      expect(Date.now() - started).toBeLessThan(8_000)
      if (!(out instanceof LabError)) {
        const snap = out as { errors?: unknown[]; devices?: unknown[] }
        expect(snap.errors?.length ?? 0).toBeGreaterThan(0)
      } else {
        expect(['parse-error', 'command-failed']).toContain(out.code)
      }
    }, 20_000)
  }

  it('100 MB of output: exec is capped with a typed error and memory stays bounded', async () => {
    await mode('huge')
    global.gc?.()
    const before = process.memoryUsage().rss
    let peak = before
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20)
    try {
      const err = await typed(conn.exec('devlink -j dev show', { timeoutMs: 60_000 }))
      expect(err).toBeInstanceOf(LabError)
      expect((err as LabError).code).toBe('command-failed')
      expect((err as LabError).message).toMatch(/output exceeds \d+ bytes/)
    } finally {
      clearInterval(timer)
    }
    // The cap is 64 MiB of collected output (main/ssh/channels.ts); allow string overhead.
    expect(peak - before).toBeLessThan(400 * 1024 * 1024)
  }, 90_000)

  it('1 byte per second: times out with ssh-timeout and the remote process is killed', async () => {
    await mode('slow')
    const started = Date.now()
    const err = await typed(conn.exec('devlink -j dev show', { timeoutMs: 2_500 }))
    expect(Date.now() - started).toBeLessThan(6_000)
    expect((err as LabError).code).toBe('ssh-timeout')
    await poll(
      async () => !(await rig.sshd.descendants()).some((p) => p.args.includes('force.sh')),
      { timeoutMs: 5_000, what: 'the remote force.sh killed' },
    )
    expect((await rig.sshd.descendants()).filter((p) => p.args.includes('force.sh'))).toEqual([])
  }, 20_000)

  it('discovery on 1-byte-per-second output times out with a typed error', async () => {
    await mode('slow')
    const started = Date.now()
    const out = await typed(discover(conn, { hostName: 'bad', timeoutMs: 2_500 }))
    expect(Date.now() - started).toBeLessThan(8_000)
    if (out instanceof LabError) expect(['ssh-timeout', 'timeout']).toContain(out.code)
    else expect((out as { errors?: unknown[] }).errors?.length ?? 0).toBeGreaterThan(0)
  }, 20_000)

  it('the watcher on malformed output starts with a snapshot carrying errors, or a typed error', async () => {
    await mode('malformed')
    const started = Date.now()
    const out = await typed(startHostWatcher(conn, { hostName: 'bad', timeoutMs: 5_000 }))
    expect(Date.now() - started).toBeLessThan(10_000)
    if (out instanceof LabError) return
    const w = out as Awaited<ReturnType<typeof startHostWatcher>>
    try {
      expect(w.current().errors?.length ?? 0).toBeGreaterThan(0)
    } finally {
      w.close()
    }
  }, 20_000)
})
