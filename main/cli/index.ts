import { Command } from 'commander'

import { LabError } from '../../contract'
import { registerDiscover } from './commands/discover'
import { registerDrill } from './commands/drill'
import { registerOp } from './commands/op'
import { registerServe } from './commands/serve'
import { registerSim } from './commands/sim'
import { printErr } from './output'

/**
 * The headless `replab` command. Exit codes: 0 success, 1 failure (a drill that did not pass,
 * a refused host key, a failed command), 2 usage errors.
 */
export async function main(argv: string[]): Promise<void> {
  const program = new Command('replab')
    .description(
      'lab console for mlx5 / devlink E-Switch and representor lifecycle testing over SSH',
    )
    .showHelpAfterError()
  registerSim(program)
  registerServe(program)
  registerDiscover(program)
  registerDrill(program)
  registerOp(program)
  try {
    await program.parseAsync(argv)
  } catch (err) {
    const message = err instanceof LabError ? `${err.code}: ${err.message}` : (err as Error).message
    printErr(`replab: ${message}`)
    process.exitCode = 1
  }
}
