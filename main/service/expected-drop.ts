import type { CommandRunner } from '../host/ports'

/**
 * Commands after which the device (or its driver instance) goes away and comes back, so a
 * terminal pane should park and resume with a marker (issue 8 §Survives resets). The sources of
 * each drop, from reference/domain.md: PCI unbind/bind and FLR (§1, drivers/pci/pci-sysfs.c),
 * `modprobe -r|modprobe mlx5_core`, `devlink dev reload` (§2.3, devlink/dev.c), `devlink health
 * recover` (§3.2, health.c), and labsim's injected firmware assert (the fatal error flow of §3.2).
 */
const DROPS: ReadonlyArray<{ pattern: RegExp; reason: (m: RegExpMatchArray) => string }> = [
  {
    pattern: /echo '?([0-9a-f:.]+)'? > '?\/sys\/bus\/pci\/devices\/[^ ]+\/driver\/unbind/,
    reason: (m) => `PCI unbind of ${m[1]}`,
  },
  {
    pattern: /echo '?([0-9a-f:.]+)'? > '?\/sys\/bus\/pci\/drivers\/([\w-]+)\/bind/,
    reason: (m) => `PCI bind of ${m[1]} to ${m[2]}`,
  },
  {
    pattern: /echo '?1'? > '?\/sys\/bus\/pci\/devices\/([0-9a-f:.]+)\/reset/,
    reason: (m) => `function reset (FLR) of ${m[1]}`,
  },
  { pattern: /\bmodprobe -r '?(mlx5_core)\b/, reason: () => 'mlx5_core unload' },
  { pattern: /\bmodprobe '?(mlx5_core)\b/, reason: () => 'mlx5_core load' },
  { pattern: /\bdevlink dev reload '?([^ ']+)/, reason: (m) => `devlink reload of ${m[1]}` },
  {
    pattern: /\bdevlink health recover '?([^ ']+)/,
    reason: (m) => `health recovery of ${m[1]}`,
  },
  {
    pattern: /echo '?fw-assert ([^ ']+)'? > '?\/sys\/kernel\/debug\/labsim\/inject/,
    reason: (m) => `firmware fatal error injected on ${m[1]}`,
  },
]

/** Why `command` is expected to drop the device (for the marker line), or null. */
export function expectedDrop(command: string): string | null {
  for (const d of DROPS) {
    const m = command.match(d.pattern)
    if (m) return d.reason(m)
  }
  return null
}

/**
 * Wraps a host's command runner so each command that is expected to drop the device is told to
 * `onDrop(reason)` before it runs. Everything else passes through unchanged.
 */
export function watchExpectedDrops(
  runner: CommandRunner,
  onDrop: (reason: string) => void,
): CommandRunner {
  return {
    target: runner.target,
    get hostKey() {
      return runner.hostKey
    },
    exec: (command, options) => {
      const reason = expectedDrop(command)
      if (reason) onDrop(reason)
      return runner.exec(command, options)
    },
    stream: (command, options) => runner.stream(command, options),
  }
}
