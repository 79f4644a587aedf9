import { fail, ok, type ParseContext, type ParseResult } from './parse-result'

/**
 * Parsers of plain-text system outputs: `uname -r`, `/etc/os-release`, `/proc/modules` and
 * `lsmod`, `lspci -D -nn`, sysfs attribute values and `ethtool -i`. None throws.
 */

/** Parses `uname -r`: one non-empty line without whitespace, e.g. `6.12.117+deb12-amd64`. */
export function parseUname(ctx: ParseContext, text: string): ParseResult<string> {
  const line = text.trim()
  if (!/^[A-Za-z0-9._+~-]{1,128}$/.test(line)) return fail(ctx, 'not a kernel release', text)
  return ok(line)
}

/**
 * Parses `/etc/os-release` (os-release(5)): `KEY=value` lines, values optionally in single or
 * double quotes with `\`-escapes; comments and blank lines skipped; bad lines are errors.
 */
export function parseOsRelease(
  ctx: ParseContext,
  text: string,
): ParseResult<Record<string, string>> {
  const out: Record<string, string> = {}
  let offset = 0
  for (const line of text.split('\n')) {
    const trimmed = line.trim()
    if (trimmed !== '' && !trimmed.startsWith('#')) {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(trimmed)
      if (m === null) return fail(ctx, 'not a KEY=value line', text, offset)
      out[m[1] ?? ''] = unquote(m[2] ?? '')
    }
    offset += line.length + 1
  }
  return ok(out)
}

function unquote(v: string): string {
  const q = v[0]
  if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) {
    const inner = v.slice(1, -1)
    return q === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner
  }
  return v
}

/** One loaded module. `usedBy` lists dependents (`-` when none). */
export interface ModuleEntry {
  readonly name: string
  readonly size: number
  readonly refcount: number
  readonly usedBy: readonly string[]
  /** /proc/modules only: `Live`, `Loading`, `Unloading`. */
  readonly state?: string
}

/**
 * Parses `/proc/modules` (`name size refs deps state addr [taints]`) or `lsmod` (header line
 * `Module  Size  Used by`, then `name size refs [deps]`). Detects the format per line.
 */
export function parseModules(ctx: ParseContext, text: string): ParseResult<ModuleEntry[]> {
  const out: ModuleEntry[] = []
  let offset = 0
  for (const line of text.split('\n')) {
    const here = offset
    offset += line.length + 1
    if (line.trim() === '' || /^Module\s+Size\s+Used by/.test(line)) continue
    const parts = line.trim().split(/\s+/)
    const [name, size, refs, deps, state] = parts
    if (name === undefined || !/^[A-Za-z0-9_-]+$/.test(name) || !/^\d+$/.test(size ?? '')) {
      return fail(ctx, 'not a module line', text, here)
    }
    if (!/^(\d+|-)$/.test(refs ?? '')) return fail(ctx, 'bad refcount', text, here)
    const procFormat = state !== undefined && /^(Live|Loading|Unloading)$/.test(state)
    const usedBy = (deps ?? '-')
      .split(',')
      .filter((d) => d !== '' && d !== '-' && d !== '[permanent]')
    out.push({
      name,
      size: Number(size),
      refcount: refs === '-' ? 0 : Number(refs),
      usedBy,
      ...(procFormat ? { state } : {}),
    })
  }
  return ok(out)
}

/** One `lspci -D -nn` line. */
export interface LspciEntry {
  readonly bdf: string
  readonly className: string
  readonly classId?: string
  readonly vendorId?: string
  readonly deviceId?: string
  /** Text after the class, without the ids, e.g. `Mellanox Technologies MT27800 Family [ConnectX-5]`. */
  readonly description: string
  readonly rev?: string
  readonly isVf: boolean
}

const LSPCI = /^([0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]) (.+?)(?: \[([0-9a-f]{4})\])?: (.*)$/

/**
 * Parses `lspci -D [-nn] [-d 15b3:]` (docs/domain.md §2.9). Requires the domain (`-D`); ids are
 * taken from the trailing `[vvvv:dddd]`, `(rev xx)` from the end. Blank output → [].
 */
export function parseLspci(ctx: ParseContext, text: string): ParseResult<LspciEntry[]> {
  const out: LspciEntry[] = []
  let offset = 0
  for (const line of text.split('\n')) {
    const here = offset
    offset += line.length + 1
    if (line.trim() === '') continue
    const m = LSPCI.exec(line.trimEnd())
    if (m === null) return fail(ctx, 'not an lspci -D line', text, here)
    let rest = m[4] ?? ''
    const rev = / \(rev ([0-9a-f]{2})\)$/.exec(rest)
    if (rev !== null) rest = rest.slice(0, rev.index)
    const ids = / \[([0-9a-f]{4}):([0-9a-f]{4})\]$/.exec(rest)
    if (ids !== null) rest = rest.slice(0, ids.index)
    out.push({
      bdf: m[1] ?? '',
      className: m[2] ?? '',
      description: rest,
      isVf: /Virtual Function/.test(rest),
      ...(m[3] === undefined ? {} : { classId: m[3] }),
      ...(ids === null ? {} : { vendorId: ids[1], deviceId: ids[2] }),
      ...(rev === null ? {} : { rev: rev[1] }),
    })
  }
  return ok(out)
}

/** Parses a sysfs integer attribute (`sriov_numvfs`, `sriov_totalvfs`, hex `0x15b3` too). */
export function parseSysfsInt(ctx: ParseContext, text: string): ParseResult<number> {
  const t = text.trim()
  if (/^\d{1,10}$/.test(t)) return ok(Number(t))
  if (/^0x[0-9a-fA-F]{1,8}$/.test(t)) return ok(Number.parseInt(t.slice(2), 16))
  return fail(ctx, 'not a sysfs integer', text)
}

/** Parses a sysfs boolean (`0`/`1`, `Y`/`N`). */
export function parseSysfsBool(ctx: ParseContext, text: string): ParseResult<boolean> {
  const t = text.trim()
  if (t === '1' || t === 'Y' || t === 'y') return ok(true)
  if (t === '0' || t === 'N' || t === 'n') return ok(false)
  return fail(ctx, 'not a sysfs boolean', text)
}

/** Parses a sysfs word list such as `reset_method` (`flr bus`). Empty → []. */
export function parseSysfsList(ctx: ParseContext, text: string): ParseResult<string[]> {
  const t = text.trim()
  if (t === '') return ok([])
  if (!/^[\x21-\x7e]+( [\x21-\x7e]+)*$/.test(t)) return fail(ctx, 'not a word list', text)
  return ok(t.split(' '))
}

/** `ethtool -i <if>` (driver info). */
export interface EthtoolInfo {
  readonly driver: string
  readonly version?: string
  readonly firmwareVersion?: string
  /** PCI BDF, `netdevsim10`, or empty for representors (docs/domain.md §1.7). */
  readonly busInfo: string
  readonly fields: Readonly<Record<string, string>>
}

/** Parses `ethtool -i`: `key: value` lines; `driver` is required. */
export function parseEthtoolInfo(ctx: ParseContext, text: string): ParseResult<EthtoolInfo> {
  const fields: Record<string, string> = {}
  let offset = 0
  for (const line of text.split('\n')) {
    const here = offset
    offset += line.length + 1
    if (line.trim() === '') continue
    const m = /^([a-z-]+):\s?(.*)$/.exec(line)
    if (m === null) return fail(ctx, 'not a key: value line', text, here)
    fields[m[1] ?? ''] = (m[2] ?? '').trim()
  }
  const driver = fields.driver
  if (driver === undefined || driver === '') return fail(ctx, 'no driver line', text)
  const version = fields.version
  const fw = fields['firmware-version']
  return ok({
    driver,
    busInfo: fields['bus-info'] ?? '',
    fields,
    ...(version === undefined ? {} : { version }),
    ...(fw === undefined ? {} : { firmwareVersion: fw }),
  })
}
