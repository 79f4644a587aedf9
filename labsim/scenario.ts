import type { CardModel } from './model/catalog'
import { catalog } from './model/catalog'
import type { KernelProfile } from './model/kernel'

/**
 * A lab scenario: which hosts exist and what each one holds.
 *
 * ```json
 * { "hosts": [
 *     { "name": "sim-a", "profile": "pre-series",
 *       "cards": [ { "model": "ConnectX-6 Dx", "ports": 2, "totalVfs": 8 },
 *                  { "model": "ConnectX-7", "ports": 1, "totalVfs": 127, "ofed": true } ],
 *       "mlx5Ib": true, "netdevsim": true } ] }
 * ```
 * Every field is optional. Defaults: host names `sim-a`, `sim-b`, …; the lab's profile; one
 * dual-port ConnectX-6 Dx at PCI bus 08 with `sriov_totalvfs` 8 per PF; mlx5_ib loaded;
 * a netdevsim10 device; SW_RECOVERY_ON_ERRORS true (firmware RFR enabled).
 */
export interface LabScenario {
  readonly hosts?: readonly ScenarioHost[]
}

/** One host of a scenario. */
export interface ScenarioHost {
  readonly name?: string
  readonly profile?: KernelProfile
  readonly cards?: readonly ScenarioCard[]
  /** mlx5_ib loaded at boot (default true). */
  readonly mlx5Ib?: boolean
  /** A netdevsim10 device (default true). */
  readonly netdevsim?: boolean
}

/** One card of a host. */
export interface ScenarioCard {
  readonly model?: CardModel
  /** Number of PFs (1 or 2; default 2, BlueField-2 default 2). */
  readonly ports?: number
  /** PCI bus number (default 0x08, then 0x3b, 0x5e, 0x86, 0xaf, 0xd8 for later cards). */
  readonly bus?: number
  /** `sriov_totalvfs` per PF, 0–127 (default 8). */
  readonly totalVfs?: number
  /** MLNX_OFED flavour: adds /proc/driver/mlx5_core/crdump/<bdf>. */
  readonly ofed?: boolean
  /** mlxconfig SW_RECOVERY_ON_ERRORS (default true). */
  readonly swRecoveryOnErrors?: boolean
}

/** Raised for an invalid scenario or option, with a message naming the bad field. */
export class LabConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LabConfigError'
  }
}

const defaultBuses = [0x08, 0x3b, 0x5e, 0x86, 0xaf, 0xd8]

/** Host name for index i: sim-a … sim-z, sim-aa, sim-ab, … */
export function hostName(i: number): string {
  let n = i
  let name = ''
  do {
    name = String.fromCharCode(97 + (n % 26)) + name
    n = Math.floor(n / 26) - 1
  } while (n >= 0)
  return `sim-${name}`
}

/** A fully resolved card spec. */
export interface CardSpec {
  readonly model: CardModel
  readonly ports: number
  readonly bus: number
  readonly totalVfs: number
  readonly ofed: boolean
  readonly swRecoveryOnErrors: boolean
}

/** A fully resolved host spec. */
export interface HostSpec {
  readonly name: string
  readonly profile: KernelProfile
  readonly cards: readonly CardSpec[]
  readonly mlx5Ib: boolean
  readonly netdevsim: boolean
}

function resolveCard(card: ScenarioCard, index: number, where: string): CardSpec {
  const model = card.model ?? 'ConnectX-6 Dx'
  if (!(model in catalog))
    throw new LabConfigError(`${where}.model: unknown card model "${String(model)}"`)
  const totalVfs = card.totalVfs ?? 8
  if (!Number.isInteger(totalVfs) || totalVfs < 0 || totalVfs > 127)
    throw new LabConfigError(`${where}.totalVfs: must be an integer 0–127`)
  const ports = card.ports ?? 2
  if (ports !== 1 && ports !== 2) throw new LabConfigError(`${where}.ports: must be 1 or 2`)
  const bus = card.bus ?? defaultBuses[index] ?? 0x08 + index
  if (!Number.isInteger(bus) || bus < 1 || bus > 0xfe)
    throw new LabConfigError(`${where}.bus: must be 1–254`)
  return {
    model,
    ports,
    bus,
    totalVfs,
    ofed: card.ofed ?? false,
    swRecoveryOnErrors: card.swRecoveryOnErrors ?? true,
  }
}

/**
 * Resolves options + scenario into host specs. Throws `LabConfigError` for bad input
 * (unknown model, totalVfs > 127, duplicate host names or buses, bad profile, hosts < 1).
 */
export function resolveHosts(
  count: number | undefined,
  profile: KernelProfile,
  scenario?: LabScenario,
): HostSpec[] {
  if (profile !== 'fixed' && profile !== 'pre-series')
    throw new LabConfigError(`profile: must be "fixed" or "pre-series"`)
  const given = scenario?.hosts ?? []
  const total = Math.max(count ?? (given.length > 0 ? given.length : 1), given.length)
  if (!Number.isInteger(total) || total < 1 || total > 500)
    throw new LabConfigError('hosts: must be an integer 1–500')
  const specs: HostSpec[] = []
  for (let i = 0; i < total; i++) {
    const h = given[i] ?? {}
    const where = `hosts[${i}]`
    if (h.profile !== undefined && h.profile !== 'fixed' && h.profile !== 'pre-series')
      throw new LabConfigError(`${where}.profile: must be "fixed" or "pre-series"`)
    const cards = (h.cards ?? [{}]).map((c, j) => resolveCard(c, j, `${where}.cards[${j}]`))
    if (new Set(cards.map((c) => c.bus)).size !== cards.length)
      throw new LabConfigError(`${where}.cards: two cards on one PCI bus`)
    specs.push({
      name: h.name ?? hostName(i),
      profile: h.profile ?? profile,
      cards,
      mlx5Ib: h.mlx5Ib ?? true,
      netdevsim: h.netdevsim ?? true,
    })
  }
  if (new Set(specs.map((s) => s.name)).size !== specs.length)
    throw new LabConfigError('hosts: duplicate host names')
  return specs
}
