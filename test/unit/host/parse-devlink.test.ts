import { describe, expect, it } from 'vitest'
import {
  parseDevInfo,
  parseDevlinkDevs,
  parseDevlinkError,
  parseEswitch,
  parseHealth,
  parsePorts,
  parseReload,
  physPortNameOf,
} from '../../../main/host/parse-devlink'
import { ctxOf, KERNELS, loadFixture } from './fixture'

function must<T>(r: { ok: true; value: T } | { ok: false; issue: unknown }): T {
  if (!r.ok) throw new Error(`parse failed: ${JSON.stringify(r.issue)}`)
  return r.value
}

describe.each(KERNELS)('devlink JSON from netdevsim on %s', (kernel) => {
  it('dev show, incl. reload_failed after a failed reload', async () => {
    const f = await loadFixture('06_', kernel)
    expect(must(parseDevlinkDevs(ctxOf(f.command), f.json[0] ?? ''))).toEqual([
      { handle: 'netdevsim/netdevsim10', reloadFailed: false },
    ])
    const failed = await loadFixture('59_', kernel)
    const devs = must(parseDevlinkDevs(ctxOf(failed.command), failed.json[0] ?? ''))
    expect(devs[0]?.reloadFailed).toBe(true)
    const unbound = await loadFixture('61_', kernel)
    expect(must(parseDevlinkDevs(ctxOf(unbound.command), unbound.json[0] ?? ''))).toEqual([])
  })

  it('dev show -s with reload stats still yields the device', async () => {
    const f = await loadFixture('56_', kernel)
    expect(must(parseDevlinkDevs(ctxOf(f.command), f.json[2] ?? ''))[0]?.handle).toBe(
      'netdevsim/netdevsim10',
    )
  })

  it('eswitch show legacy / switchdev with only "mode"', async () => {
    const legacy = await loadFixture('10_', kernel)
    const l = must(parseEswitch(ctxOf(legacy.command), legacy.json[0] ?? ''))
    expect(l.get('netdevsim/netdevsim10')).toEqual({ mode: 'legacy' })
    const sw = await loadFixture('17_', kernel)
    const s = must(parseEswitch(ctxOf(sw.command), sw.json[0] ?? ''))
    expect(s.get('netdevsim/netdevsim10')).toEqual({ mode: 'switchdev' })
  })

  it('port show (compact and -p) with physical and pcivf ports', async () => {
    for (const prefix of ['18_', '19_']) {
      const f = await loadFixture(prefix, kernel)
      const ports = must(
        parsePorts(ctxOf(f.command), prefix === '19_' ? f.stdout : (f.json[0] ?? '')),
      )
      expect(ports.map((p) => p.index)).toEqual([0, 128, 129, 130, 131])
      const [uplink, vf0] = ports
      expect(uplink).toMatchObject({
        handle: 'netdevsim/netdevsim10',
        flavour: 'physical',
        netdev: 'eni10np1',
        portNumber: 1,
        physPortName: 'p1',
      })
      expect(vf0).toMatchObject({
        flavour: 'pcivf',
        pfnum: 0,
        vfnum: 0,
        controller: 0,
        external: false,
        netdev: 'eni10npf0vf0',
        physPortName: 'pf0vf0',
      })
    }
  })
})

describe.each(KERNELS)('devlink JSON from netdevsim on %s (2)', (kernel) => {
  it('port show in legacy, after reload, unbind/bind, 0 VFs has only the uplink', async () => {
    const f = await loadFixture('11_', kernel)
    expect(must(parsePorts(ctxOf(f.command), f.json[0] ?? ''))).toHaveLength(1)
    for (const prefix of ['30_', '31_', '52_', '56_', '63_']) {
      const g = await loadFixture(prefix, kernel)
      const line = g.json.find((l) => l.startsWith('{"port"')) ?? ''
      expect(must(parsePorts(ctxOf(g.command), line)).map((p) => p.physPortName)).toEqual(['p1'])
    }
    const added = await loadFixture('65_', kernel)
    expect(must(parsePorts(ctxOf(added.command), added.json[0] ?? ''))[0]).toMatchObject({
      index: 2,
      netdev: 'eni10np3',
      physPortName: 'p3',
    })
  })

  it('health show: counters, grace period, last dump, missing optional keys', async () => {
    const f = await loadFixture('34_', kernel)
    const reps = must(parseHealth(ctxOf(f.command), f.json[0] ?? ''))
    expect(reps).toEqual([
      {
        handle: 'netdevsim/netdevsim10',
        reporter: 'empty',
        state: 'healthy',
        error: 0,
        recover: 0,
        autoDump: true,
      },
      {
        handle: 'netdevsim/netdevsim10',
        reporter: 'dummy',
        state: 'healthy',
        error: 0,
        recover: 0,
        gracePeriodMs: 0,
        autoRecover: true,
        autoDump: true,
      },
    ])
    const broke = await loadFixture('39_', kernel)
    const [dummy] = must(parseHealth(ctxOf(broke.command), broke.json[0] ?? ''))
    expect(dummy).toMatchObject({ state: 'error', error: 2, recover: 1, autoRecover: false })
    expect(dummy?.lastDump).toMatch(/^2026-11-21 13:\d\d:\d\d$/)
    const grace = await loadFixture('45_', kernel)
    expect(must(parseHealth(ctxOf(grace.command), grace.json[0] ?? ''))[0]?.gracePeriodMs).toBe(
      1000,
    )
  })

  it('dev info: driver and fw.mgmt', async () => {
    const f = await loadFixture('08_', kernel)
    const info = must(parseDevInfo(ctxOf(f.command), f.json[0] ?? ''))
    expect(info.get('netdevsim/netdevsim10')).toEqual({
      driver: 'netdevsim',
      fwVersion: '10.20.30',
    })
  })

  it('reload: empty stdout and the text form', async () => {
    const f = await loadFixture('55_', kernel)
    expect(must(parseReload(ctxOf(f.command), f.stdout))).toEqual([])
    const text = await loadFixture('57_', kernel)
    const out = text.stdout.slice(text.stdout.indexOf('reload_actions_performed'))
    expect(must(parseReload(ctxOf(text.command), out.split('[rc=')[0] ?? ''))).toEqual([
      'driver_reinit',
    ])
  })
})

describe.each(KERNELS)('devlink JSON from netdevsim on %s (3)', (kernel) => {
  it('error texts of failed commands', async () => {
    const reload = await loadFixture('59_', kernel)
    expect(parseDevlinkError(reload.stderr)).toEqual({
      extack: 'User setup the reload to fail for testing purposes',
      module: 'netdevsim',
      errno: 'Invalid argument',
      warnings: [],
    })
    const fn = await loadFixture('28_', kernel)
    expect(parseDevlinkError(fn.stderr)).toMatchObject({
      extack: "Port doesn't support function attributes",
      errno: 'Operation not supported',
    })
    // iproute2 6.1 prefixes the netlink "leftover" extack; 6.12 prints it bare.
    expect(parseDevlinkError(fn.stderr)?.module).toBe(kernel === '6.1' ? 'leftover' : undefined)
    const esw = await loadFixture('27_', kernel)
    expect(parseDevlinkError(esw.stderr)).toEqual({
      errno: 'Operation not supported',
      warnings: [],
    })
  })
})

describe('devlink JSON shapes quoted in docs/domain.md (mlx5)', () => {
  const ctx = ctxOf('devlink')

  it('eswitch with inline-mode and encap-mode, switchdev_inactive, unknown mode', () => {
    const r = must(
      parseEswitch(
        ctx,
        '{"dev":{"pci/0000:08:00.0":{"mode":"switchdev","inline-mode":"none","encap-mode":"basic"}}}',
      ),
    )
    expect(r.get('pci/0000:08:00.0')).toEqual({
      mode: 'switchdev',
      inlineMode: 'none',
      encapMode: 'basic',
    })
    const inactive = parseEswitch(ctx, '{"dev":{"pci/0000:08:00.0":{"mode":"switchdev_inactive"}}}')
    expect(inactive.ok).toBe(true)
    const bad = parseEswitch(ctx, '{"dev":{"pci/0000:08:00.0":{"mode":"<unknown mode>"}}}')
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.issue).toMatchObject({ code: 'parse-error', command: 'devlink' })
  })
})

describe('devlink JSON shapes quoted in docs/domain.md (mlx5) (2)', () => {
  const ctx = ctxOf('devlink')

  it('mlx5 ports: pcivf with function, pcisf with state, aux uplink, external controller', () => {
    const text = JSON.stringify({
      port: {
        'pci/0000:04:00.1/65542': {
          type: 'eth',
          netdev: 'enp4s0f1_5',
          flavour: 'pcivf',
          pfnum: 1,
          vfnum: 5,
          splittable: false,
          function: { hw_addr: 'fa:16:3e:f8:7b:10' },
        },
        'pci/0000:06:00.0/32768': {
          type: 'eth',
          netdev: 'eth6',
          flavour: 'pcisf',
          controller: 0,
          pfnum: 0,
          sfnum: 88,
          external: false,
          splittable: false,
          function: { hw_addr: '00:00:00:00:00:00', state: 'inactive', opstate: 'detached' },
        },
        'auxiliary/mlx5_core.eth.0/65535': {
          type: 'eth',
          netdev: 'enp8s0f0np0',
          flavour: 'physical',
          port: 0,
          splittable: false,
        },
        'pci/0000:06:00.0/2': {
          type: 'eth',
          netdev: 'ens2f0c1pf0vf1',
          flavour: 'pcivf',
          controller: 1,
          pfnum: 0,
          vfnum: 1,
          external: true,
          splittable: false,
        },
      },
    })
    const [vf5, sf, uplink, ext] = must(parsePorts(ctx, text))
    expect(vf5).toMatchObject({ index: 65542, hwAddr: 'fa:16:3e:f8:7b:10', physPortName: 'pf1vf5' })
    expect(sf).toMatchObject({ sfnum: 88, functionState: 'inactive', physPortName: 'pf0sf88' })
    expect(uplink).toMatchObject({ handle: 'auxiliary/mlx5_core.eth.0', index: 65535 })
    expect(uplink?.physPortName).toBe('p0')
    expect(ext?.physPortName).toBe('c1pf0vf1')
  })
})

describe('devlink JSON shapes quoted in docs/domain.md (mlx5) (3)', () => {
  const ctx = ctxOf('devlink')

  it('health with per-port arrays and "unlimited" u64 values', () => {
    const text = JSON.stringify({
      health: {
        'pci/0000:08:00.0': [
          { reporter: 'fw', state: 'healthy', error: 0, recover: 0, auto_dump: true },
          {
            reporter: 'fw_fatal',
            state: 'healthy',
            error: 0,
            recover: 0,
            grace_period: 60000,
            burst_period: 'unlimited',
            auto_recover: true,
            auto_dump: true,
          },
        ],
        'pci/0000:08:00.0/65535': [
          { reporter: 'tx', state: 'healthy', error: 0, recover: 0 },
          { reporter: 'rx', state: 'error', error: 'unlimited', recover: 3 },
        ],
      },
    })
    const reps = must(parseHealth(ctx, text))
    expect(reps.map((r) => [r.reporter, r.port])).toEqual([
      ['fw', undefined],
      ['fw_fatal', undefined],
      ['tx', 65535],
      ['rx', 65535],
    ])
    expect(reps[1]?.burstPeriodMs).toBe(Number.MAX_SAFE_INTEGER)
    expect(reps[3]?.error).toBe(Number.MAX_SAFE_INTEGER)
    expect(parseHealth(ctx, '{"health":{"pci/0000:08:00.0":[{"reporter":"fw"}]}}').ok).toBe(false)
  })

  it('dev info with serial and fw.psid, reload JSON, mlx5 warnings', () => {
    const info = must(
      parseDevInfo(
        ctx,
        '{"info":{"pci/0000:00:06.0":{"driver":"mlx5_core","serial_number":"MT1234","versions":{"fixed":{"fw.psid":"MT_0000000009"},"running":{"fw.version":"16.26.0100"},"stored":{"fw.version":"16.26.0100"}}}}}',
      ),
    )
    expect(info.get('pci/0000:00:06.0')).toEqual({
      driver: 'mlx5_core',
      serialNumber: 'MT1234',
      fwVersion: '16.26.0100',
      psid: 'MT_0000000009',
    })
    expect(
      must(
        parseReload(ctx, '{"reload":{"reload_actions_performed":["driver_reinit","fw_activate"]}}'),
      ),
    ).toEqual(['driver_reinit', 'fw_activate'])
    expect(parseReload(ctx, '{"reload":{}}').ok).toBe(false)
    expect(
      parseDevlinkError(
        'Warning: mlx5_core: reload while VFs are present is unfavorable.\nError: mlx5_core: reload is unsupported in Lag mode.\nkernel answers: Operation not supported\n',
      ),
    ).toEqual({
      warnings: ['reload while VFs are present is unfavorable'],
      extack: 'reload is unsupported in Lag mode',
      module: 'mlx5_core',
      errno: 'Operation not supported',
    })
    expect(parseDevlinkError('')).toBeNull()
  })
})

describe('devlink JSON shapes quoted in docs/domain.md (mlx5) (4)', () => {
  it('phys_port_name derivation matches the kernel rules', () => {
    expect(physPortNameOf('pcipf', { pfnum: 0 })).toBe('pf0')
    expect(physPortNameOf('pcipf', { pfnum: 0, controller: 1, external: true })).toBe('c1pf0')
    expect(physPortNameOf('virtual', { pfnum: 0 })).toBeUndefined()
  })
})
