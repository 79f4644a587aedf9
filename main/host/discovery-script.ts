/**
 * The one-round-trip discovery script and the splitter for its framed output.
 *
 * The script is plain POSIX `sh` restricted to the subset labsim interprets (docs/design.md §The
 * simulated lab): `for … in <glob>`, `if [ -e|-d|-L|-r … ]`, `read -r x < file` (sysfs values,
 * no fork), `cd -P <link>` and `${PWD##…}` (a link's target name, no fork), `${d##…}` (a
 * path's last name), `cat`,
 * `printf`, `echo`, `$(…)`, variables, `2>/dev/null`, `|| true`, `;`, `&&`, plus the read-only tools
 * `uname`, `lspci`, `devlink`, `rdma`, `ip`. No string tests, no `case`, no awk/sed/grep/find: every
 * decision that needs a comparison is made by the parsers, not by the shell.
 *
 * Output framing. Every section is
 *
 * ```
 * @@replab-<nonce>:<section>:<arg>\n
 * <raw bytes of the section>
 * \n@@replab-<nonce>:end:<exit code>\n
 * ```
 *
 * The end marker is always preceded by one extra `\n`, so a section body is exactly the bytes
 * between the begin line and `\n@@replab-<nonce>:end:`, whether or not it ended with a newline.
 * The nonce is random per run, so real output cannot forge a marker. It reaches the script on
 * stdin (`read -r M`, `DiscoveryScript.stdin`), not in its text: the command line is the same for
 * every run of the same parts (a host's process list never shows the nonce, and a simulated
 * host can reuse its parse of the script), and only the runner's stdin carries the nonce.
 */

/** Section names the script emits, in order. `pcidev`, `eswitch`, `lag`, `nsim` repeat per device. */
export type SectionName =
  | 'uname'
  | 'bootid'
  | 'osrelease'
  | 'modules'
  | 'lspci'
  | 'pcidev'
  | 'eswitch'
  | 'lag'
  | 'nsim'
  | 'devlink-dev'
  | 'devlink-port'
  | 'devlink-health'
  | 'devlink-info'
  | 'rdma-link'
  | 'rdma-dev'
  | 'ip-link'
  | 'netdev-phys'
  | 'tracer'
  | 'crdump'
  | 'labsim'

/**
 * Parts of a discovery, for targeted refreshes: `system` (uname, boot id, os-release, modules,
 * lspci), `pci` (sysfs PCI functions, VFs, LAG debugfs), `eswitch` (per-device eswitch show),
 * `nsim` (netdevsim bus), `devlink` (dev show, port show), `health` (health show), `info`
 * (dev info, rdma dev show), `rdma` (rdma link show), `ip` (ip -d addr), `extras` (tracer,
 * crdump, fault-injection support).
 */
export type DiscoveryPart =
  'system' | 'pci' | 'eswitch' | 'nsim' | 'devlink' | 'health' | 'info' | 'rdma' | 'ip' | 'extras'

/** The command of the `ip-link` section: links with details and their addresses. */
export const IP_COMMAND = 'ip -j -d addr show'

/** Every part: a full discovery. */
export const DISCOVERY_PARTS: readonly DiscoveryPart[] = [
  'system',
  'pci',
  'eswitch',
  'nsim',
  'devlink',
  'health',
  'info',
  'rdma',
  'ip',
  'extras',
]

/** Options of `buildDiscoveryScript`. */
export interface DiscoveryScriptOptions {
  /** Marker nonce, `[a-z0-9]{8,32}`; random when omitted. */
  readonly nonce?: string
  /**
   * Prefix of every sysfs/proc/debugfs path (empty on real hosts). Used by tests to point the
   * script at a fake tree. Must be an absolute path without whitespace or shell metacharacters.
   */
  readonly root?: string
  /**
   * Also read `phys_port_name`/`phys_switch_id` from sysfs for every netdev. Only needed when
   * `ip -d` does not print them (old iproute2); costs two `cat`s per netdev.
   */
  readonly netdevPhys?: boolean
  /** Parts to read; all when omitted. */
  readonly parts?: readonly DiscoveryPart[]
  /**
   * Known devlink handles whose E-Switch to read directly, instead of walking sysfs for them:
   * used by targeted refreshes without `pci` (fast path after an event). Handles that are not a
   * PCI BDF handle or `netdevsim/netdevsimN` are ignored (they reach a shell).
   */
  readonly eswitchHandles?: readonly string[]
  /**
   * Known SR-IOV capable PCI functions (BDFs, `0000:08:00.0`) whose `pcidev` block to read by
   * path instead of walking `/sys/bus/pci/devices/*` (the walk tests every function, VFs
   * included): used by targeted refreshes after an event. A function that is gone prints
   * nothing, as in the walk; a new one is found by the next refresh without this option.
   * BDFs that do not match the pattern are ignored.
   */
  readonly pciFunctions?: readonly string[]
}

const SAFE_BDF = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/

const SAFE_HANDLE =
  /^(pci\/[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]|netdevsim\/netdevsim\d{1,9})$/

/** A built script, the marker prefix its sections use, and the stdin that carries it. */
export interface DiscoveryScript {
  /** The command; the same text for the same options whatever the nonce. */
  readonly script: string
  /** `@@replab-<nonce>` */
  readonly marker: string
  /** What the command must get on stdin: the marker and a newline (`read -r M`). */
  readonly stdin: string
}

const NONCE = /^[a-z0-9]{8,32}$/
const ROOT = /^(\/[A-Za-z0-9._+-]+)*$/

/** Returns a random 16-character `[a-z0-9]` nonce (Math.random is enough: it only avoids collisions). */
export function randomNonce(): string {
  let out = ''
  while (out.length < 16) out += Math.floor(Math.random() * 36).toString(36)
  return out
}

/**
 * Builds the discovery script.
 *
 * Throws `RangeError` when `nonce` or `root` do not match their patterns (programming error, never
 * host data). Reads: docs/design.md §Host model; paths from docs/domain.md §2.10, §3.1, §3.3, §6.
 */
export function buildDiscoveryScript(options: DiscoveryScriptOptions = {}): DiscoveryScript {
  const nonce = options.nonce ?? randomNonce()
  const root = options.root ?? ''
  if (!NONCE.test(nonce)) throw new RangeError(`bad nonce ${JSON.stringify(nonce)}`)
  if (!ROOT.test(root)) throw new RangeError(`bad root ${JSON.stringify(root)}`)
  const marker = `@@replab-${nonce}`
  const parts = new Set<DiscoveryPart>(options.parts ?? DISCOVERY_PARTS)
  const has = (p: DiscoveryPart): boolean => parts.has(p)
  const pciDirect = options.pciFunctions !== undefined
  const walkEswitch =
    has('eswitch') && ((has('pci') && !pciDirect) || options.eswitchHandles === undefined)
  const lines = [
    'read -r M',
    `R='${root}'`,
    ...(has('system') ? systemSections() : []),
    ...(has('pci') || walkEswitch
      ? pciLoop(has('pci'), walkEswitch, pciDirect ? (options.pciFunctions ?? []) : null)
      : []),
    ...(has('nsim') || walkEswitch ? nsimLoop(has('nsim'), walkEswitch) : []),
    ...(has('eswitch') && !walkEswitch ? directEswitch(options.eswitchHandles ?? []) : []),
    ...(has('devlink') ? section('devlink-dev', "''", 'devlink -j dev show 2>/dev/null') : []),
    ...(has('devlink') ? section('devlink-port', "''", 'devlink -j port show 2>/dev/null') : []),
    ...(has('health') ? section('devlink-health', "''", 'devlink -j health show 2>/dev/null') : []),
    ...(has('info') ? section('devlink-info', "''", 'devlink -j dev info 2>/dev/null') : []),
    ...(has('info') ? section('rdma-dev', "''", 'rdma -j dev show 2>/dev/null') : []),
    ...(has('rdma') ? section('rdma-link', "''", 'rdma -j link show 2>/dev/null') : []),
    // `ip -d addr show` is `ip -d link show` plus each netdev's addresses (VFs in use), in the
    // same round trip (iproute2 ip/ipaddress.c: one link dump, then the address dump).
    ...(has('ip') ? section('ip-link', "''", `${IP_COMMAND} 2>/dev/null`) : []),
    ...(has('ip') && options.netdevPhys === true ? netdevPhysLoop() : []),
    ...(has('extras') ? [...tracerLoop(), ...crdumpBlock()] : []),
    ...(has('extras')
      ? section('labsim', "''", 'if [ -e $R/sys/kernel/debug/labsim/inject ]; then echo inject; fi')
      : []),
  ]
  return { script: lines.join('\n') + '\n', marker, stdin: `${marker}\n` }
}

function systemSections(): string[] {
  return [
    ...section('uname', "''", 'uname -r 2>/dev/null'),
    ...section('bootid', "''", 'cat $R/proc/sys/kernel/random/boot_id 2>/dev/null'),
    ...section('osrelease', "''", 'cat $R/etc/os-release 2>/dev/null'),
    // A kernel built without module support has no /proc/modules: no modules, not an error.
    ...section(
      'modules',
      "''",
      'if [ -e $R/proc/modules ]; then cat $R/proc/modules 2>/dev/null; fi',
    ),
    ...section('lspci', "''", 'lspci -D -nn 2>/dev/null'),
  ]
}

/**
 * Sets `x` to the first line of `file` (a shell word) with the `read` builtin: no fork per
 * sysfs value, where `$(cat …)` costs one (most of a discovery's time on a slow host); `x` is
 * empty when the file cannot be read.
 */
function val(file: string): string {
  return `x=; read -r x 2>/dev/null < ${file}`
}

/** Lines that print one framed section around `body`; `arg` is a shell word. */
/**
 * Sets `v` to the last name of what symlink `link` points at: `cd -P` resolves it and
 * `${PWD##…}` takes the name, with no fork, where `$(readlink …)` costs two (a subshell and
 * readlink; on the netdevsim VM without KVM about 30 ms each, and a PF walks two per VF). A link
 * `cd` cannot follow (dangling, no search permission) is still read with `readlink`; the parser
 * takes the last name either way. Empty when the link is missing. The shell's directory moves
 * with it: the script uses absolute paths.
 */
function linkName(link: string, v = 'x'): string {
  return (
    `${v}=; if cd -P ${link} 2>/dev/null; then ${v}=\${PWD##*/}; ` +
    `elif [ -L ${link} ]; then ${v}=$(readlink ${link} 2>/dev/null); fi`
  )
}

function section(name: SectionName, arg: string, body: string): string[] {
  return [begin(name, arg), body, END]
}

function begin(name: SectionName, arg: string): string {
  return `printf '%s:${name}:%s\\n' "$M" ${arg}`
}

const END = `printf '\\n%s:end:%s\\n' "$M" "$?"`

/**
 * PCI functions worth a detailed block: SR-IOV capable devices (`sriov_totalvfs` exists even when
 * unbound). Globbed names are printed only when `[ -e ]` finds them: a pattern that matched
 * nothing stays literal in POSIX `for`, and Linux allows `*` (and any byte but `/`, `:`, NUL and
 * whitespace) in an interface name, so the parser cannot tell `net0*` from an unmatched glob.
 * `printf '%s'` prints names as they are (dash's `echo` would interpret their backslashes). The parser filters by vendor; a bound PF without SR-IOV is still found through its
 * devlink instance and lspci. VFs are listed through their PF's `virtfn*` links with their
 * driver, netdevs and IB devices (two forks per VF). `functions` (BDFs) replaces the walk with
 * those functions' paths; null walks.
 */
function pciLoop(
  withDetail: boolean,
  withEswitch: boolean,
  functions: readonly string[] | null,
): string[] {
  const detail = [
    begin('pcidev', '"$d"'),
    `${val('$d/vendor')}; echo "vendor $x"`,
    `${val('$d/device')}; echo "device $x"`,
    `${linkName('$d/driver')}; echo "driver $x"`,
    `${linkName('$d/physfn')}; echo "physfn $x"`,
    `if [ -r $d/sriov_totalvfs ]; then ${val('$d/sriov_totalvfs')}; echo "totalvfs $x"; fi`,
    `if [ -r $d/sriov_numvfs ]; then ${val('$d/sriov_numvfs')}; echo "numvfs $x"; fi`,
    `if [ -r $d/sriov_drivers_autoprobe ]; then ${val('$d/sriov_drivers_autoprobe')}; echo "autoprobe $x"; fi`,
    `if [ -r $d/reset_method ]; then ${val('$d/reset_method')}; echo "reset_method $x"; fi`,
    `for n in $d/net/*; do if [ -e "$n" ]; then printf 'net %s\\n' "$n"; fi; done`,
    `for n in $d/infiniband/*; do if [ -e "$n" ]; then printf 'ib %s\\n' "$n"; fi; done`,
    `for a in $d/mlx5_core.*; do if [ -e "$a" ]; then printf 'aux %s\\n' "$a"; fi; done`,
    `for v in $d/virtfn*; do if [ -L $v ]; then ${linkName('$v')}; ${linkName('$v/driver', 'y')}; echo "vf $v $x $y"; if [ -r $v/reset_method ]; then ${val('$v/reset_method')}; echo "vfreset $v $x"; fi; for n in $v/net/*; do if [ -e "$n" ]; then printf 'vfnet %s %s\\n' "$v" "$n"; fi; done; for n in $v/infiniband/*; do if [ -e "$n" ]; then printf 'vfib %s %s\\n' "$v" "$n"; fi; done; fi; done`,
    'true',
    END,
  ]
  const eswitch = [
    begin('eswitch', '"pci/$b"'),
    'devlink -j dev eswitch show pci/$b 2>/dev/null',
    END,
  ]
  // The LAG debugfs belongs to the `pci` part (snapshot merges), whether or not eswitch is read.
  const lag = [
    'if [ -d $R/sys/kernel/debug/mlx5/$b/lag ]; then',
    begin('lag', '"pci/$b"'),
    'for f in $R/sys/kernel/debug/mlx5/$b/lag/*; do echo "${f##*/} $(cat $f 2>/dev/null)"; done',
    'true',
    END,
    'fi',
  ]
  const bound = [...(withEswitch ? eswitch : []), ...(withDetail ? lag : [])]
  const body = [
    ...(withDetail ? detail : []),
    ...(bound.length > 0 ? ['if [ -L $d/driver ]; then b=${d##*/}', ...bound, 'fi'] : []),
    'true',
  ]
  const known = functions?.filter((bdf) => SAFE_BDF.test(bdf)) ?? null
  if (known !== null && known.length === 0) return []
  const list = known ? known.map((bdf) => `$R/sys/bus/pci/devices/${bdf}`).join(' ') : null
  return [
    `for d in ${list ?? '$R/sys/bus/pci/devices/*'}; do if [ -e $d/sriov_totalvfs ]; then`,
    ...body,
    'fi; done',
  ]
}

/** `devlink -j dev eswitch show` for each known, validated handle. */
function directEswitch(handles: readonly string[]): string[] {
  return handles
    .filter((h) => SAFE_HANDLE.test(h))
    .flatMap((h) => section('eswitch', `'${h}'`, `devlink -j dev eswitch show ${h} 2>/dev/null`))
}

/** netdevsim bus devices (docs/domain.md §6): numvfs, netdevs and their E-Switch mode. */
function nsimLoop(withDetail: boolean, withEswitch: boolean): string[] {
  const detail = [
    begin('nsim', '"netdevsim/$b"'),
    `${linkName('$d/driver')}; echo "driver $x"`,
    `if [ -r $d/sriov_numvfs ]; then ${val('$d/sriov_numvfs')}; echo "numvfs $x"; fi`,
    `if [ -r $R/sys/kernel/debug/netdevsim/$b/max_vfs ]; then ${val('$R/sys/kernel/debug/netdevsim/$b/max_vfs')}; echo "maxvfs $x"; fi`,
    `for k in fail_reload dont_allow_reload health/fail_recover; do if [ -r $R/sys/kernel/debug/netdevsim/$b/$k ]; then ${val('$R/sys/kernel/debug/netdevsim/$b/$k')}; echo "knob $k $x"; fi; done`,
    `for n in $d/net/*; do if [ -e "$n" ]; then printf 'net %s\\n' "$n"; fi; done`,
    'true',
    END,
  ]
  const eswitch = [
    'if [ -L $d/driver ]; then',
    begin('eswitch', '"netdevsim/$b"'),
    'devlink -j dev eswitch show netdevsim/$b 2>/dev/null',
    END,
    'fi',
  ]
  return [
    'for d in $R/sys/bus/netdevsim/devices/*; do if [ -d $d ]; then b=${d##*/}',
    ...(withDetail ? detail : []),
    ...(withEswitch ? eswitch : []),
    'fi; done',
  ]
}

/** Fallback for old iproute2 without phys attrs in `ip -d` (docs/domain.md §1.7). */
function netdevPhysLoop(): string[] {
  return [
    begin('netdev-phys', "''"),
    `for n in $R/sys/class/net/*; do if [ -e "$n/phys_switch_id" ]; then ${val('"$n/phys_port_name"')}; y=$x; ${val('"$n/phys_switch_id"')}; printf '%s %s %s\\n' "$n" "$y" "$x"; fi; done`,
    'true',
    END,
  ]
}

/** Firmware tracer event dirs, upstream `mlx5_fw` and OFED `fw_tracer` (docs/domain.md §3.1). */
function tracerLoop(): string[] {
  return [
    begin('tracer', "''"),
    `for t in $R/sys/kernel/debug/tracing $R/sys/kernel/tracing; do for e in mlx5_fw fw_tracer; do if [ -d $t/events/mlx5/$e ]; then ${val('$t/events/mlx5/$e/enable')}; echo "$e $t $x"; fi; done; done`,
    'true',
    END,
  ]
}

/** MLNX_OFED crdump files (docs/domain.md §3.3); upstream crdump goes through devlink fw_fatal. */
function crdumpBlock(): string[] {
  return [
    begin('crdump', "''"),
    'if [ -d $R/proc/driver/mlx5_core/crdump ]; then for f in $R/proc/driver/mlx5_core/crdump/*; do echo "ofed $f"; done; fi',
    'true',
    END,
  ]
}

/** One framed section as split from the script's stdout. */
export interface RawSection {
  readonly name: string
  readonly arg: string
  readonly body: string
  /** Exit status of the section's last command; null when the end marker is missing. */
  readonly code: number | null
  /** Byte (UTF-16 unit) offset of the body in stdout. */
  readonly offset: number
}

/**
 * Splits the script's stdout into sections. Text outside sections is ignored; a section without
 * its end marker (output cut short) is returned with `code: null` and the rest of stdout as body.
 * Never throws.
 */
export function splitSections(stdout: string, marker: string): RawSection[] {
  const out: RawSection[] = []
  const head = `${marker}:`
  const endTag = `\n${marker}:end:`
  let pos = 0
  while (pos < stdout.length) {
    const start = findLineStart(stdout, head, pos)
    if (start < 0) break
    const lineEnd = stdout.indexOf('\n', start)
    if (lineEnd < 0) break
    const header = stdout.slice(start + head.length, lineEnd)
    const colon = header.indexOf(':')
    const name = colon < 0 ? header : header.slice(0, colon)
    const arg = colon < 0 ? '' : header.slice(colon + 1)
    const bodyStart = lineEnd + 1
    const end = stdout.indexOf(endTag, bodyStart - 1)
    if (end < 0) {
      out.push({ name, arg, body: stdout.slice(bodyStart), code: null, offset: bodyStart })
      break
    }
    const codeEnd = stdout.indexOf('\n', end + endTag.length)
    const codeText = stdout.slice(end + endTag.length, codeEnd < 0 ? undefined : codeEnd)
    const code = /^\d{1,3}$/.test(codeText) ? Number(codeText) : null
    const body = end < bodyStart ? '' : stdout.slice(bodyStart, end)
    out.push({ name, arg, body, code, offset: bodyStart })
    pos = codeEnd < 0 ? stdout.length : codeEnd + 1
  }
  return out
}

function findLineStart(text: string, needle: string, from: number): number {
  let i = text.indexOf(needle, from)
  while (i > 0 && text[i - 1] !== '\n') i = text.indexOf(needle, i + 1)
  return i
}
