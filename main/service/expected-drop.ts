import type { CommandRunner } from '../host/ports'

/**
 * Wraps a host's command runner so that each command the engine marks as dropping the device
 * (`ExecOptions.drop`, set from the operation module's `dropReason`: PCI unbind/bind and FLR,
 * mlx5_core (un)load, devlink reload, health recovery, an injected firmware assert) is told to
 * `onDrop(reason)` before it runs, so terminal panes park and resume with a marker (issue 8
 * §Survives resets). Everything else passes through unchanged.
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
      if (options.drop) onDrop(options.drop)
      return runner.exec(command, options)
    },
    stream: (command, options) => runner.stream(command, options),
  }
}
