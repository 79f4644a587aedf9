import type {
  DeviceInfo,
  EswitchInfo,
  EswitchMode,
  HealthReporter,
  Port,
  PortFlavour,
} from '../../contract/snapshot'
import {
  bool,
  devlinkSection,
  fail,
  int,
  isObject,
  ok,
  parseJson,
  splitPortHandle,
  str,
  u64,
  type JsonObject,
  type ParseContext,
  type ParseResult,
} from './parse-result'

/**
 * Parsers of `devlink -j …` outputs. Shapes: docs/domain.md §2.1–§2.6 and the captures in
 * test/fixtures/netdevsim (iproute2 6.1 and 6.12). Every parser returns a `ParseResult`; none throws.
 */

/** One device of `devlink -j dev show`: extra members appear on newer iproute2. */
export interface DevlinkDev {
  readonly handle: string
  /** `DEVLINK_ATTR_INDEX` (iproute2 2026+), when printed. */
  readonly index?: number
  /** `true` after a failed reload (`pr_out_reload_data`). */
  readonly reloadFailed: boolean
}

/** Parses `devlink -j dev show` → devices in output order. */
export function parseDevlinkDevs(ctx: ParseContext, text: string): ParseResult<DevlinkDev[]> {
  const section = devlinkSection(ctx, text, 'dev')
  if (!section.ok) return section
  const out: DevlinkDev[] = []
  for (const [handle, attrs] of Object.entries(section.value)) {
    const obj = isObject(attrs) ? attrs : {}
    const index = int(obj, 'index')
    out.push({
      handle,
      reloadFailed: bool(obj, 'reload_failed') === true,
      ...(index === undefined ? {} : { index }),
    })
  }
  return ok(out)
}

const MODES: readonly EswitchMode[] = ['legacy', 'switchdev', 'switchdev_inactive']

/**
 * Parses `devlink -j dev eswitch show <dev>` → handle → E-Switch state. Keys `mode`,
 * `inline-mode`, `encap-mode` are each optional (netdevsim prints only `mode`, §2.1); a mode other
 * than legacy/switchdev/switchdev_inactive is a parse error.
 */
export function parseEswitch(
  ctx: ParseContext,
  text: string,
): ParseResult<Map<string, EswitchInfo>> {
  const section = devlinkSection(ctx, text, 'dev')
  if (!section.ok) return section
  const out = new Map<string, EswitchInfo>()
  for (const [handle, attrs] of Object.entries(section.value)) {
    if (!isObject(attrs)) return fail(ctx, `eswitch of ${handle} is not an object`, text)
    const mode = str(attrs, 'mode')
    const known = MODES.find((m) => m === mode)
    if (known === undefined) {
      return fail(ctx, `unknown eswitch mode ${JSON.stringify(mode)}`, text, text.indexOf('mode'))
    }
    const inlineMode = str(attrs, 'inline-mode')
    const encapMode = str(attrs, 'encap-mode')
    out.set(handle, {
      mode: known,
      ...(inlineMode === undefined ? {} : { inlineMode }),
      ...(encapMode === undefined ? {} : { encapMode }),
    })
  }
  return ok(out)
}

/** A devlink port with the device it belongs to (`bus/dev/index` split). */
export interface DevlinkPort extends Omit<Port, 'ibRep'> {
  readonly handle: string
  /** devlink `ibdev` member (IB ports). */
  readonly ibdev?: string
  /** Physical port number (`port`), physical flavour only. */
  readonly portNumber?: number
}

const FLAVOURS: readonly PortFlavour[] = [
  'physical',
  'cpu',
  'dsa',
  'pcipf',
  'pcivf',
  'pcisf',
  'virtual',
  'unused',
]

/**
 * Parses `devlink -j port show` (also the `port` member of a monitor event). Port attrs and the
 * `function{hw_addr,state,opstate}` block per docs/domain.md §2.2; unknown flavours become `unknown`.
 * `physPortName` is derived as the kernel does (`__devlink_port_phys_port_name_get`, §1.7).
 */
export function parsePorts(ctx: ParseContext, text: string): ParseResult<DevlinkPort[]> {
  const section = devlinkSection(ctx, text, 'port')
  if (!section.ok) return section
  return portsFromObject(ctx, text, section.value)
}

/** `parsePorts` on an already-parsed `{"<bus/dev/idx>": {...}}` object (monitor events). */
export function portsFromObject(
  ctx: ParseContext,
  text: string,
  section: JsonObject,
): ParseResult<DevlinkPort[]> {
  const out: DevlinkPort[] = []
  for (const [key, attrs] of Object.entries(section)) {
    const split = splitPortHandle(key)
    if (split === null) return fail(ctx, `bad port handle ${JSON.stringify(key)}`, text)
    if (!isObject(attrs)) return fail(ctx, `port ${key} is not an object`, text)
    out.push(portFromAttrs(split.handle, split.index, attrs))
  }
  return ok(out)
}

function portFromAttrs(handle: string, index: number, a: JsonObject): DevlinkPort {
  const flavourText = str(a, 'flavour')
  const flavour = FLAVOURS.find((f) => f === flavourText) ?? 'unknown'
  const fn = isObject(a.function) ? a.function : {}
  const fields = {
    type: str(a, 'type'),
    pfnum: int(a, 'pfnum'),
    vfnum: int(a, 'vfnum'),
    sfnum: int(a, 'sfnum'),
    controller: int(a, 'controller'),
    external: bool(a, 'external'),
    splittable: bool(a, 'splittable'),
    hwAddr: str(fn, 'hw_addr'),
    functionState: str(fn, 'state'),
    ibdev: str(a, 'ibdev'),
    portNumber: int(a, 'port'),
  }
  const physPortName = physPortNameOf(flavour, fields)
  return {
    handle,
    index,
    flavour,
    netdev: str(a, 'netdev') ?? null,
    ...definedOnly(fields),
    ...(physPortName === undefined ? {} : { physPortName }),
  }
}

/**
 * The kernel's phys_port_name for a devlink port (net/devlink/port.c
 * `__devlink_port_phys_port_name_get`, docs/domain.md §1.7): `p<port>`, `pf<P>`, `pf<P>vf<V>`,
 * `pf<P>sf<S>`, prefixed by `c<C>` when `external`. Undefined for other flavours.
 */
export function physPortNameOf(
  flavour: PortFlavour,
  p: {
    pfnum?: number
    vfnum?: number
    sfnum?: number
    controller?: number
    external?: boolean
    portNumber?: number
  },
): string | undefined {
  const c = p.external === true && p.controller !== undefined ? `c${p.controller}` : ''
  if (flavour === 'physical' && p.portNumber !== undefined) return `p${p.portNumber}`
  if (p.pfnum === undefined) return undefined
  if (flavour === 'pcipf') return `${c}pf${p.pfnum}`
  if (flavour === 'pcivf' && p.vfnum !== undefined) return `${c}pf${p.pfnum}vf${p.vfnum}`
  if (flavour === 'pcisf' && p.sfnum !== undefined) return `${c}pf${p.pfnum}sf${p.sfnum}`
  return undefined
}

function definedOnly<T extends Record<string, unknown>>(obj: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(obj))
    if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}

/** A health reporter with the device handle it belongs to. */
export interface DevlinkReporter extends HealthReporter {
  readonly handle: string
  readonly burstPeriodMs?: number
}

/**
 * Parses `devlink -j health show`: `{"health":{"<dev>|<dev>/<port>":[{reporter,…}]}}`
 * (docs/domain.md §2.4). Per-port arrays get `port`; `grace_period`/`burst_period` may be
 * `"unlimited"` (→ `UNLIMITED`, Number.MAX_SAFE_INTEGER); missing optional keys stay absent; missing counters are errors.
 */
export function parseHealth(ctx: ParseContext, text: string): ParseResult<DevlinkReporter[]> {
  const section = devlinkSection(ctx, text, 'health')
  if (!section.ok) return section
  const out: DevlinkReporter[] = []
  for (const [key, list] of Object.entries(section.value)) {
    if (!Array.isArray(list)) return fail(ctx, `health of ${key} is not an array`, text)
    const split = splitPortHandle(key)
    for (const item of list) {
      if (!isObject(item)) return fail(ctx, `reporter of ${key} is not an object`, text)
      const r = reporterFrom(key, split, item)
      if (r === null)
        return fail(ctx, `reporter of ${key} lacks reporter/state/error/recover`, text)
      out.push(r)
    }
  }
  return ok(out)
}

function reporterFrom(
  key: string,
  split: { handle: string; index: number } | null,
  a: JsonObject,
): DevlinkReporter | null {
  const reporter = str(a, 'reporter')
  const state = str(a, 'state')
  const error = u64(a, 'error')
  const recover = u64(a, 'recover')
  if (reporter === undefined || state === undefined) return null
  if (error === undefined || recover === undefined) return null
  const date = str(a, 'last_dump_date')
  const time = str(a, 'last_dump_time')
  const extra = definedOnly({
    gracePeriodMs: u64(a, 'grace_period'),
    burstPeriodMs: u64(a, 'burst_period'),
    autoRecover: bool(a, 'auto_recover'),
    autoDump: bool(a, 'auto_dump'),
    lastDump: date === undefined ? undefined : time === undefined ? date : `${date} ${time}`,
  })
  return {
    handle: split === null ? key : split.handle,
    ...(split === null ? {} : { port: split.index }),
    reporter,
    state,
    error,
    recover,
    ...extra,
  }
}

/** Parses `devlink -j dev info` → handle → driver, serial, fw version, PSID (§2.6). */
export function parseDevInfo(
  ctx: ParseContext,
  text: string,
): ParseResult<Map<string, DeviceInfo>> {
  const section = devlinkSection(ctx, text, 'info')
  if (!section.ok) return section
  const out = new Map<string, DeviceInfo>()
  for (const [handle, attrs] of Object.entries(section.value)) {
    if (!isObject(attrs)) return fail(ctx, `info of ${handle} is not an object`, text)
    const versions = isObject(attrs.versions) ? attrs.versions : {}
    const running = isObject(versions.running) ? versions.running : {}
    const fixed = isObject(versions.fixed) ? versions.fixed : {}
    const info = definedOnly({
      driver: str(attrs, 'driver'),
      serialNumber: str(attrs, 'serial_number') ?? str(attrs, 'board.serial_number'),
      fwVersion: str(running, 'fw.version') ?? str(running, 'fw') ?? str(running, 'fw.mgmt'),
      psid: str(fixed, 'fw.psid'),
    })
    out.set(handle, info)
  }
  return ok(out)
}

/**
 * Parses `devlink [-j] dev reload …` stdout: JSON `{"reload":{"reload_actions_performed":[…]}}`
 * or the text form `reload_actions_performed:\n    driver_reinit [fw_activate]` (§2.3, fixture
 * 57). Empty stdout (iproute2 6.1 `-j` prints nothing, fixture 55) gives [].
 */
export function parseReload(ctx: ParseContext, text: string): ParseResult<string[]> {
  const t = text.trim()
  if (t === '') return ok([])
  const m = /^reload_actions_performed:\s*([a-z_\s]*)$/.exec(t)
  if (m !== null) return ok((m[1] ?? '').split(/\s+/).filter((w) => w !== ''))
  const parsed = parseJson(ctx, text)
  if (!parsed.ok) return parsed
  const root = parsed.value
  const reload = isObject(root) ? root.reload : undefined
  const list = isObject(reload) ? reload.reload_actions_performed : undefined
  if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
    return fail(ctx, 'missing reload.reload_actions_performed', text)
  }
  return ok(list as string[])
}

/** A devlink/iproute2 failure as printed on stderr. */
export interface DevlinkError {
  /** Extack message without the trailing dot, e.g. `reload is unsupported in Lag mode`. */
  readonly extack?: string
  /** Module that set the extack (`mlx5_core`, `netdevsim`, or `leftover`). */
  readonly module?: string
  /** strerror text after `kernel answers:` / `devlink answers:`. */
  readonly errno?: string
  readonly warnings: readonly string[]
}

/**
 * Parses devlink's stderr: `Error: <module>: <msg>.`, `Warning: <module>: <msg>.` and
 * `kernel answers: <strerror>` (docs/domain.md §2, iproute2 lib/mnl_utils.c). Returns null when stderr
 * holds none of them. Pure, never throws.
 */
export function parseDevlinkError(stderr: string): DevlinkError | null {
  let extack: string | undefined
  let module: string | undefined
  let errno: string | undefined
  const warnings: string[] = []
  for (const line of stderr.split('\n')) {
    const m = /^(Error|Warning): (?:([A-Za-z0-9_]+): )?(.*?)\.?\s*$/.exec(line)
    if (m !== null) {
      if (m[1] === 'Warning') warnings.push(m[3] ?? '')
      else if (extack === undefined) [extack, module] = [m[3] ?? '', m[2]]
      continue
    }
    const k = /^(?:kernel|devlink) answers: (.*?)\s*$/.exec(line)
    if (k !== null && errno === undefined) errno = k[1]
  }
  if (extack === undefined && errno === undefined && warnings.length === 0) return null
  return {
    warnings,
    ...(extack === undefined ? {} : { extack }),
    ...(module === undefined ? {} : { module }),
    ...(errno === undefined ? {} : { errno }),
  }
}
