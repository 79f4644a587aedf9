import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { HostSnapshot } from '../../../contract/snapshot'
import { splitSections } from '../../../main/host/discovery-script'
import * as devlink from '../../../main/host/parse-devlink'
import * as logs from '../../../main/host/parse-logs'
import * as net from '../../../main/host/parse-net'
import type { ParseResult } from '../../../main/host/parse-result'
import * as sections from '../../../main/host/parse-sections'
import * as system from '../../../main/host/parse-system'
import { buildSnapshot } from '../../../main/host/snapshot-build'
import { parseSections } from '../../../main/host/snapshot-sections'
import { ctxOf } from './fixture'

// Random and hostile bytes into every parser: results are data or a typed parse-error, never a
// throw; excerpts are bounded; the snapshot built from garbage still validates.

const ctx = ctxOf('hostile')

type Parser = (text: string) => ParseResult<unknown> | unknown

const PARSERS: Record<string, Parser> = {
  devlinkDevs: (t) => devlink.parseDevlinkDevs(ctx, t),
  eswitch: (t) => devlink.parseEswitch(ctx, t),
  ports: (t) => devlink.parsePorts(ctx, t),
  health: (t) => devlink.parseHealth(ctx, t),
  devInfo: (t) => devlink.parseDevInfo(ctx, t),
  reload: (t) => devlink.parseReload(ctx, t),
  devlinkError: (t) => devlink.parseDevlinkError(t),
  rdmaLinks: (t) => net.parseRdmaLinks(ctx, t),
  rdmaDevs: (t) => net.parseRdmaDevs(ctx, t),
  ipLinks: (t) => net.parseIpLinks(ctx, t),
  uname: (t) => system.parseUname(ctx, t),
  osRelease: (t) => system.parseOsRelease(ctx, t),
  modules: (t) => system.parseModules(ctx, t),
  lspci: (t) => system.parseLspci(ctx, t),
  sysfsInt: (t) => system.parseSysfsInt(ctx, t),
  sysfsBool: (t) => system.parseSysfsBool(ctx, t),
  sysfsList: (t) => system.parseSysfsList(ctx, t),
  ethtool: (t) => system.parseEthtoolInfo(ctx, t),
  dmesg: (t) => logs.parseDmesg(t),
  trace: (t) => logs.parseTraceLine(ctx, t),
  fwTrace: (t) => logs.parseFwTrace(ctx, t),
  crdumpSection: (t) => logs.parseCrdumpSection(t),
  crdumpDevlink: (t) => logs.parseCrdumpDevlink(ctx, t),
  crdumpHex: (t) => logs.parseCrdumpHex(ctx, t),
  pcidev: (t) => sections.parsePciDevSection(ctx, '/sys/bus/pci/devices/0000:08:00.0', t),
  nsim: (t) => sections.parseNsimSection(ctx, 'netdevsim/netdevsim10', t),
  lag: (t) => sections.parseLagSection(t),
  tracer: (t) => sections.parseTracerSection(t),
  netdevPhys: (t) => sections.parseNetdevPhysSection(t),
}

/** JSON documents shaped like the real ones but with hostile leaves. */
const devlinkish = fc
  .tuple(
    fc.constantFrom('dev', 'port', 'health', 'info', 'reload', 'mon'),
    fc.dictionary(
      fc.oneof(fc.constantFrom('pci/0000:08:00.0', 'pci/0000:08:00.0/65535', 'x', ''), fc.string()),
      fc.jsonValue({ maxDepth: 3 }),
    ),
  )
  .map(([k, v]) => JSON.stringify({ [k]: v }))

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  devlinkish,
  fc.array(fc.jsonValue({ maxDepth: 3 })).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"dev":', '[{"ifindex":1}]', '{"health":{"a":[null]}}', '\u0000\ufffd\ud800'),
)

function checkResult(name: string, r: unknown): void {
  if (typeof r !== 'object' || r === null || !('ok' in r)) return
  const res = r as ParseResult<unknown>
  if (res.ok) return
  expect(res.issue.code, name).toBe('parse-error')
  expect(res.issue.command).toBe('hostile')
  expect(res.issue.excerpt.length).toBeLessThanOrEqual(80)
}

describe('every parser on random and hostile input', () => {
  it.each(Object.keys(PARSERS))(
    '%s never throws and fails only with a typed parse-error',
    (name) => {
      const parse = PARSERS[name] as Parser
      fc.assert(
        fc.property(hostile, (text) => {
          checkResult(name, parse(text))
        }),
        { numRuns: 300 },
      )
    },
  )

  it('a discovery output of garbage sections still builds a valid partial snapshot', () => {
    const names = ['uname', 'modules', 'pcidev', 'eswitch', 'devlink-port', 'devlink-health']
    const section = fc.tuple(
      fc.constantFrom(...names, 'ip-link', 'rdma-link', 'nsim', 'lag'),
      hostile,
    )
    fc.assert(
      fc.property(fc.array(section, { maxLength: 10 }), (list) => {
        const marker = '@@replab-abcdefgh'
        const stdout = list
          .map(
            ([n, body]) =>
              `${marker}:${n}:/sys/bus/pci/devices/0000:08:00.0\n${body}\n${marker}:end:0\n`,
          )
          .join('')
        const raw = splitSections(stdout, marker)
        const snap = buildSnapshot(parseSections('h', raw), { hostName: 'h', takenAt: 'now' })
        const valid = HostSnapshot.safeParse(snap)
        expect(valid.success).toBe(true)
      }),
      { numRuns: 200 },
    )
  })

  it('splitSections never throws on arbitrary stdout', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        splitSections(`${text}@@replab-x:uname:\n${text}`, '@@replab-x')
      }),
      { numRuns: 300 },
    )
  })
})
