import { describe, expect, it } from 'vitest'
import {
  parseCrdumpDevlink,
  parseCrdumpHex,
  parseCrdumpSection,
  parseDmesg,
  parseDmesgLine,
  parseFwTrace,
  parseTraceLine,
} from '../../../main/host/parse-logs'
import { parseTracerSection } from '../../../main/host/parse-sections'
import { ctxOf, KERNELS, loadFixture } from './fixture'

describe.each(KERNELS)('dmesg and trace_pipe captures on %s', (kernel) => {
  it('every dmesg line has a timestamp; netdevsim lines carry driver/device/ifname', async () => {
    const f = await loadFixture('92_', kernel)
    const lines = parseDmesg(f.stdout)
    expect(lines.length).toBeGreaterThan(10)
    expect(lines.every((l) => l.time !== null)).toBe(true)
    const renamed = lines.find((l) => l.message.startsWith('renamed from'))
    expect(renamed).toMatchObject({ driver: 'netdevsim', device: 'netdevsim10' })
    expect(renamed?.ifname).toMatch(/^eni10n/)
    const full = parseDmesg((await loadFixture('91_', kernel)).stdout)
    // Only printk continuation lines (indented) lack a timestamp.
    expect(full.filter((l) => l.time === null).every((l) => /^\s/.test(l.message))).toBe(true)
    expect(full[0]?.time).toBe(0)
  })

  it('every line of trace_pipe parses', async () => {
    for (const prefix of ['71_', '72_']) {
      const f = await loadFixture(prefix, kernel)
      const lines = f.stdout.split('\n').filter((l) => l.trim() !== '')
      const parsed = lines.map((l) => parseTraceLine(ctxOf('cat trace_pipe'), l))
      expect(parsed.filter((r) => !r.ok)).toEqual([])
      const events = new Set(parsed.flatMap((r) => (r.ok ? [r.value.event] : [])))
      expect(events.has('net_dev_xmit')).toBe(true)
    }
  })
})

describe('kernel log shapes quoted in docs/domain.md', () => {
  it('mlx5 dmesg lines with function:line and pid, netdev-scoped lines, splats', () => {
    expect(
      parseDmesgLine(
        '[  523.467798] mlx5_core 0000:81:00.1: E-Switch: Disable: mode(LEGACY), nvfs(2), active vports(3)',
      ),
    ).toEqual({
      time: 523.467798,
      driver: 'mlx5_core',
      device: '0000:81:00.1',
      message: 'E-Switch: Disable: mode(LEGACY), nvfs(2), active vports(3)',
      splat: false,
    })
    expect(
      parseDmesgLine('mlx5_core 0000:00:00.0: poll_health:694:(pid 0): Fatal error 1 detected'),
    ).toMatchObject({
      time: null,
      func: 'poll_health',
      line: 694,
      pid: 0,
      message: 'Fatal error 1 detected',
    })
    expect(
      parseDmesgLine('mlx5_core 0000:c4:00.0: poll_health:803: Fatal error 1 detected'),
    ).toMatchObject({ func: 'poll_health', line: 803, message: 'Fatal error 1 detected' })
    expect(
      parseDmesgLine('[  524.599812] mlx5_core 0000:81:00.1 ens1f1: renamed from eth0'),
    ).toMatchObject({ ifname: 'ens1f1', message: 'renamed from eth0' })
    expect(
      parseDmesgLine('[ 12.000001] WARNING: CPU: 3 PID: 1 at drivers/x.c:10 f+0x1/0x2').splat,
    ).toBe(true)
    expect(
      parseDmesgLine('INFO: task kworker/u1664:6:1514 blocked for more than 122 seconds.').splat,
    ).toBe(true)
  })

  it('mlx5 tracepoint and firmware tracer lines, upstream and OFED names', () => {
    const sf = parseTraceLine(
      ctxOf('trace'),
      'devlink-9363    [031] ..... 24610.188722: mlx5_sf_add: (0000:06:00.0) port_index=32768 controller=0 hw_id=0x8000 sfnum=88',
    )
    expect(sf).toMatchObject({
      ok: true,
      value: { comm: 'devlink', pid: 9363, cpu: 31, event: 'mlx5_sf_add' },
    })
    for (const event of ['mlx5_fw', 'fw_tracer']) {
      const fw = parseFwTrace(
        ctxOf('trace'),
        `kworker/u96:2-1234  [003] .....  5123.456789: ${event}: 0000:08:00.0 [0x1d2c3b4a5f6e7] 0 [0x1a] PCI link up`,
      )
      expect(fw).toEqual({
        ok: true,
        value: {
          devName: '0000:08:00.0',
          traceTimestamp: '0x1d2c3b4a5f6e7',
          lost: false,
          eventId: 0x1a,
          msg: 'PCI link up',
        },
      })
    }
    const other = parseFwTrace(ctxOf('trace'), 'a-1 [000] ..... 1.000000: net_dev_xmit: dev=x')
    expect(other.ok).toBe(false)
    if (!other.ok) expect(other.issue.code).toBe('parse-error')
  })
})

describe('kernel log shapes quoted in docs/domain.md (2)', () => {
  it('crdump sources: OFED proc files, devlink fw_fatal JSON, hex text', () => {
    expect(
      parseCrdumpSection(
        'ofed /proc/driver/mlx5_core/crdump/0000:08:00.0\nofed /proc/driver/mlx5_core/crdump/*\n',
      ),
    ).toEqual({ ofed: ['0000:08:00.0'] })
    const json = parseCrdumpDevlink(
      ctxOf('devlink -j health dump show'),
      '{"crdump_data":[0,1,255]}',
    )
    expect(json.ok && [...json.value]).toEqual([0, 1, 255])
    expect(parseCrdumpDevlink(ctxOf('x'), '{"crdump_data":[256]}').ok).toBe(false)
    const hex = parseCrdumpHex(ctxOf('od'), 'crdump_data:\n 00 14 95 dc\n ff 0a\n')
    expect(hex.ok && [...hex.value]).toEqual([0, 0x14, 0x95, 0xdc, 0xff, 0x0a])
    expect(parseCrdumpHex(ctxOf('od'), 'zz').ok).toBe(false)
  })

  it('tracer section prefers upstream mlx5_fw and reads enable', () => {
    expect(parseTracerSection('fw_tracer /sys/kernel/debug/tracing 1\n')).toEqual({
      path: 'ofed',
      enabled: true,
    })
    expect(
      parseTracerSection('fw_tracer /sys/kernel/debug/tracing 0\nmlx5_fw /sys/kernel/tracing 1\n'),
    ).toEqual({ path: 'upstream', enabled: true })
    expect(parseTracerSection('')).toEqual({ path: null, enabled: false })
  })
})
