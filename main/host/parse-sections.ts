import type { TracerInfo } from '../../contract/snapshot'
import { fail, ok, type ParseContext, type ParseResult } from './parse-result'

/**
 * Parsers of the discovery script's own sections (`pcidev`, `nsim`, `lag`, `tracer`,
 * `netdev-phys`): `<key> <value>` lines printed by discovery-script.ts from sysfs/debugfs
 * (docs/domain.md §2.10). The script prints a globbed path only when it exists, so a name
 * ending in `*` (Linux allows it) is a real name, never an unmatched glob. None throws.
 */

const BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

/** Last path component (`readlink` targets and sysfs paths). */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '')
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

/** A VF as its PF's `virtfn<i>` link shows it. */
export interface PciVf {
  readonly vf: number
  readonly bdf: string
  readonly driver: string | null
  readonly netdevs: string[]
  readonly ibdevs: string[]
  /** `reset_method` words of the VF; absent when the file was not read. */
  resetMethod?: string[]
}

/** One PCI function read from sysfs. */
export interface PciFunction {
  readonly bdf: string
  readonly vendorId: string
  readonly deviceId: string
  readonly driver: string | null
  /** PF BDF when this function is a VF (`physfn` link). */
  readonly physfn: string | null
  readonly totalvfs?: number
  readonly numvfs?: number
  readonly autoprobe?: boolean
  readonly resetMethod?: string[]
  readonly netdevs: string[]
  readonly ibdevs: string[]
  /** Auxiliary children, e.g. `mlx5_core.eth.0`, `mlx5_core.rdma-rep.0`. */
  readonly aux: string[]
  readonly vfs: PciVf[]
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/**
 * Parses a `pcidev` section; `arg` is the sysfs path of the function. Fails on a path that does
 * not end in a BDF or on a malformed number.
 */
export function parsePciDevSection(
  ctx: ParseContext,
  arg: string,
  text: string,
): ParseResult<PciFunction> {
  const bdf = baseName(arg)
  if (!BDF.test(bdf)) return fail(ctx, 'pcidev path does not end in a BDF', arg)
  const fn: Mutable<PciFunction> = {
    ...{ bdf, vendorId: '', deviceId: '', driver: null, physfn: null },
    ...{ netdevs: [], ibdevs: [], aux: [], vfs: [] },
  }
  const vfByPath = new Map<string, PciVf>()
  let offset = 0
  for (const line of text.split('\n')) {
    const here = offset
    offset += line.length + 1
    const sp = line.indexOf(' ')
    const key = sp < 0 ? line : line.slice(0, sp)
    const value = sp < 0 ? '' : line.slice(sp + 1).trim()
    if (key === '') continue
    const err = applyPciLine(fn, vfByPath, key, value)
    if (err !== null) return fail(ctx, err, text, here)
  }
  fn.vfs.sort((a, b) => a.vf - b.vf)
  return ok(fn)
}

function applyPciLine(
  fn: Mutable<PciFunction>,
  vfByPath: Map<string, PciVf>,
  key: string,
  value: string,
): string | null {
  switch (key) {
    case 'vendor':
    case 'device': {
      if (value !== '' && !/^0x[0-9a-f]{4}$/.test(value)) return `bad ${key} id`
      fn[key === 'vendor' ? 'vendorId' : 'deviceId'] = value.replace(/^0x/, '')
      return null
    }
    case 'driver':
      fn.driver = value === '' ? null : baseName(value)
      return null
    case 'physfn':
      fn.physfn = value === '' ? null : baseName(value)
      return null
    case 'totalvfs':
    case 'numvfs':
      if (!/^\d{1,5}$/.test(value)) return `bad ${key}`
      fn[key] = Number(value)
      return null
    case 'autoprobe':
      if (!/^[01]$/.test(value)) return 'bad autoprobe'
      fn.autoprobe = value === '1'
      return null
    case 'reset_method':
      fn.resetMethod = value === '' ? [] : value.split(/\s+/)
      return null
    case 'net':
    case 'ib':
    case 'aux':
      fn[key === 'net' ? 'netdevs' : key === 'ib' ? 'ibdevs' : 'aux'].push(baseName(value))
      return null
    case 'vf':
      return applyVf(fn, vfByPath, value)
    case 'vfreset': {
      const sp = value.indexOf(' ')
      const vf = vfByPath.get(sp < 0 ? value : value.slice(0, sp))
      if (vf === undefined) return 'vfreset before its vf line'
      vf.resetMethod =
        sp < 0
          ? []
          : value
              .slice(sp + 1)
              .trim()
              .split(/\s+/)
              .filter(Boolean)
      return null
    }
    case 'vfnet':
    case 'vfib': {
      const [vpath, npath] = value.split(' ')
      const vf = vfByPath.get(vpath ?? '')
      if (vf === undefined || npath === undefined) return `${key} before its vf line`
      vf[key === 'vfnet' ? 'netdevs' : 'ibdevs'].push(baseName(npath))
      return null
    }
    default:
      return `unknown key ${JSON.stringify(key)}`
  }
}

function applyVf(fn: Mutable<PciFunction>, vfByPath: Map<string, PciVf>, value: string) {
  const [vpath, target, driver] = value.split(' ')
  const m = /virtfn(\d+)$/.exec(vpath ?? '')
  const bdf = baseName(target ?? '')
  if (m === null || !BDF.test(bdf)) return 'bad vf line'
  const vf: PciVf = {
    vf: Number(m[1]),
    bdf,
    driver: driver === undefined || driver === '' ? null : baseName(driver),
    netdevs: [],
    ibdevs: [],
  }
  vfByPath.set(vpath ?? '', vf)
  fn.vfs.push(vf)
  return null
}

/** A netdevsim bus device (`/sys/bus/netdevsim/devices/netdevsimN`, docs/domain.md §6). */
export interface NsimDevice {
  readonly handle: string
  readonly driver: string | null
  readonly numvfs?: number
  /** debugfs `max_vfs` (drivers/net/netdevsim/dev.c, 6.1), when debugfs is readable. */
  readonly maxvfs?: number
  /**
   * netdevsim's own fault knobs that are armed (debugfs bools reading `Y`): `fail_reload`,
   * `dont_allow_reload`, `health/fail_recover` (dev.c, health.c, 6.1).
   */
  readonly knobs: string[]
  readonly netdevs: string[]
}

/** Parses an `nsim` section; `arg` is the devlink handle `netdevsim/netdevsimN`. */
export function parseNsimSection(
  ctx: ParseContext,
  arg: string,
  text: string,
): ParseResult<NsimDevice> {
  if (!/^netdevsim\/netdevsim\d+$/.test(arg)) return fail(ctx, 'bad netdevsim handle', arg)
  const dev: Mutable<NsimDevice> = { handle: arg, driver: null, netdevs: [], knobs: [] }
  for (const line of text.split('\n')) {
    const [key, ...rest] = line.split(' ')
    const value = rest.join(' ').trim()
    if (key === 'driver') dev.driver = value === '' ? null : baseName(value)
    else if (key === 'numvfs' || key === 'maxvfs') {
      if (!/^\d{1,5}$/.test(value)) return fail(ctx, `bad ${key}`, text, text.indexOf(line))
      dev[key] = Number(value)
    } else if (key === 'net' && value !== '') dev.netdevs.push(baseName(value))
    else if (key === 'knob') {
      const [name, state] = value.split(' ')
      if (name && state === 'Y') dev.knobs.push(name)
    }
  }
  return ok(dev)
}

/**
 * Parses a `lag` section: mlx5 debugfs `lag/{state,type,port_sel_mode,flags,mapping,members}`
 * printed as `<file> <content>` (drivers/net/ethernet/mellanox/mlx5/core/lag/debugfs.c).
 */
export function parseLagSection(text: string): { active: boolean; mode?: string } | null {
  const fields = new Map<string, string>()
  for (const line of text.split('\n')) {
    const sp = line.indexOf(' ')
    if (sp > 0) fields.set(line.slice(0, sp), line.slice(sp + 1).trim())
  }
  const state = fields.get('state')
  if (state === undefined) return null
  const mode = fields.get('type')
  return { active: state === 'active', ...(mode === undefined || mode === '' ? {} : { mode }) }
}

/**
 * Parses the `tracer` section (`<event> <tracefs dir> <enable>` lines): prefers upstream
 * `mlx5_fw` over OFED `fw_tracer` (docs/domain.md §3.1).
 */
export function parseTracerSection(text: string): TracerInfo {
  let found: TracerInfo = { path: null, enabled: false }
  for (const line of text.split('\n')) {
    const [event, , enable] = line.trim().split(' ')
    const path = event === 'mlx5_fw' ? 'upstream' : event === 'fw_tracer' ? 'ofed' : null
    if (path === null) continue
    const info: TracerInfo = { path, enabled: enable === '1' }
    if (found.path === null || (found.path === 'ofed' && path === 'upstream')) found = info
    else if (found.path === path && info.enabled) found = info
  }
  return found
}

/** Parses the optional `netdev-phys` section: `<sysfs path> <port name> <switch id>` lines. */
export function parseNetdevPhysSection(
  text: string,
): Map<string, { physPortName?: string; physSwitchId?: string }> {
  const out = new Map<string, { physPortName?: string; physSwitchId?: string }>()
  for (const line of text.split('\n')) {
    const [path, name, id] = line.trim().split(' ')
    if (path === undefined || path === '') continue
    out.set(baseName(path), {
      ...(name === undefined || name === '' ? {} : { physPortName: name }),
      ...(id === undefined || id === '' ? {} : { physSwitchId: id }),
    })
  }
  return out
}
