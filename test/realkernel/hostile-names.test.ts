import { afterAll, beforeAll, expect, it } from 'vitest'

import { HostSnapshot, type DrillReport } from '../../contract'
import { NSIM, resetNetdevsim } from '../helpers/netdevsim-state'
import { consoleOnVm, type VmConsole } from '../helpers/realkernel-console'
import { dataDir, describeRealKernel, replabCli, sshArgs } from '../helpers/realkernel'

// Linux accepts shell syntax and control characters in interface names (only '/', ':',
// whitespace and NUL are refused, net/core/dev.c dev_valid_name). Three representors renamed so
// on the real kernel must show as they are, and nothing replab sends may execute them: no file
// named pwn* may appear. iproute2 6.1 prints the ESC of the third one raw inside its JSON
// (issue 20); udev keeps the old predictable name as an altname.
const HOSTILE = ['$(id>pwned)', 'a`id>pwn2`', 'a\x1b[2Kb'] as const

describeRealKernel('hostile interface names from the host (real kernel)', (vm) => {
  let con: VmConsole
  const noPwn = async (): Promise<void> => {
    const found = await vm().sh('find / -xdev -name "pwn*" 2>/dev/null; true')
    expect(found.stdout.trim()).toBe('')
  }
  beforeAll(async () => {
    await resetNetdevsim(vm(), { vfs: 4, mode: 'switchdev' })
    for (const [i, name] of HOSTILE.entries()) {
      const q = name.includes('\x1b') ? `"$(printf 'a\\033[2Kb')"` : `'${name}'`
      await vm().ok(`ip link set dev eni10npf0vf${i} name ${q}`)
    }
    con = await consoleOnVm(vm(), await dataDir())
  })
  afterAll(() => con?.close())

  it('discovery (CLI) shows both names as the kernel spells them, on their representor ports', async () => {
    const r = await replabCli(await dataDir(), [
      'discover',
      vm().target,
      ...sshArgs(vm()),
      '--json',
    ])
    expect(r.code, r.stderr).toBe(0)
    const snap = HostSnapshot.parse(JSON.parse(r.stdout))
    const ports = snap.devices.find((d) => d.handle === NSIM)?.ports ?? []
    expect(ports.find((p) => p.index === 128)?.netdev).toBe(HOSTILE[0])
    expect(ports.find((p) => p.index === 129)?.netdev).toBe(HOSTILE[1])
    expect(ports.find((p) => p.index === 130)?.netdev).toBe(HOSTILE[2])
    expect(snap.netdevs?.map((n) => n.ifname)).toEqual(expect.arrayContaining([...HOSTILE]))
    expect(snap.errors).toEqual([])
    // A terminal gets the name escaped: ESC shown as \e, never sent raw (issue 20).
    const dry = await replabCli(await dataDir(), [
      ...['op', vm().target, 'eswitch-mode', NSIM, 'legacy', ...sshArgs(vm()), '--dry-run'],
    ])
    expect(dry.code, dry.stderr).toBe(0)
    expect(dry.stdout).toContain('a\\e[2Kb')
    expect(dry.stdout).not.toContain('\x1b')
    await noPwn()
  })

  it('operations and a drill run with the hostile representors in place, and nothing is executed', async () => {
    const snap = await con.call<HostSnapshot>('snapshot:get', { hostId: con.hostId, fresh: true })
    expect(snap.devices.find((d) => d.handle === NSIM)?.ports.map((p) => p.netdev)).toEqual(
      expect.arrayContaining([...HOSTILE]),
    )
    const plan = await con.call<{ blastRadius: Array<{ name: string }> }>('ops:plan', {
      hostId: con.hostId,
      request: { op: 'eswitch-mode', device: NSIM, mode: 'legacy' },
    })
    expect(plan.blastRadius.map((b) => b.name)).toEqual(expect.arrayContaining([...HOSTILE]))
    const diag = await con.op({ op: 'health', device: NSIM, reporter: 'dummy', action: 'diagnose' })
    expect(diag.status, diag.error?.message).toBe('ok')
    // fatal-recovery leaves the representors (and their hostile names) in place throughout
    const report = await con.drill('fatal-recovery', NSIM, { iterations: 1 })
    expect((report as DrillReport).status, JSON.stringify(report.findings)).toBe('passed')
    await noPwn()
  })
})
