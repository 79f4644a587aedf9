import type { DevlinkEvent, Kernel } from '../model/kernel'
import type { CommandContext } from '../shell/types'
import type { DevlinkOpts } from './devlink'
import { portText } from './devlink-format'
import { iprouteJson } from './json-writer'

/**
 * `devlink [-j] monitor [all|dev|port|health]`: streams notifications until interrupted.
 * JSON mode prints one growing `{"mon":[…` array as iproute2 6.1 does (fixture 70); text mode
 * prints `[port,new] <port line>` per event (fixture 74).
 */
export async function monitorCommand(
  kernel: Kernel,
  ctx: CommandContext,
  o: DevlinkOpts,
  args: string[],
): Promise<number> {
  const objects = args.filter((a) => a !== 'all')
  const wanted = (e: DevlinkEvent): boolean => objects.length === 0 || objects.includes(e.object)
  if (o.json) await ctx.io.stdout.write('{"mon":[')
  let first = true
  try {
    for await (const event of kernel.devlinkEvents.iterate(ctx.signal)) {
      if (!wanted(event)) continue
      if (o.json) {
        await ctx.io.stdout.write(
          `${first ? '' : ','}${iprouteJson({ command: event.command, [event.object]: { [event.handle]: event.attrs } })}`,
        )
        first = false
      } else if (event.object === 'port') {
        await ctx.io.stdout.write(
          `[port,${event.command}] ${portText(event.handle, event.attrs).split('\n')[0]}\n`,
        )
      } else await ctx.io.stdout.write(`[dev,${event.command}] ${event.handle}\n`)
    }
  } catch (error) {
    if (!ctx.signal.aborted) throw error
  }
  return 0
}
