import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ParseContext } from '../../../main/host/parse-result'

/** The real netdevsim captures in the repo (kernel 6.1; `linux-6.12/`), test/fixtures/README.md. */
export const FIXTURES = fileURLToPath(new URL('../../fixtures/netdevsim', import.meta.url))

/** Both captured kernels. */
export const KERNELS = ['6.1', '6.12'] as const
export type Kernel = (typeof KERNELS)[number]

/** One capture: its command line, stdout lines and stderr (after `# --- stderr ---`). */
export interface Fixture {
  readonly command: string
  readonly stdout: string
  readonly stderr: string
  /** stdout lines that start a JSON value (`{` or `[`). */
  readonly json: string[]
}

/** Loads a capture by file name prefix (`18_` or `18_devlink_j_port_show.txt`). */
export async function loadFixture(prefix: string, kernel: Kernel = '6.1'): Promise<Fixture> {
  const dir = kernel === '6.1' ? FIXTURES : join(FIXTURES, 'linux-6.12')
  const names = await readdir(dir)
  const name = names.find((n) => n.startsWith(prefix))
  if (name === undefined) throw new Error(`no fixture ${prefix} for ${kernel}`)
  const text = await readFile(join(dir, name), 'utf8')
  const lines = text.split('\n')
  const command = (lines[0] ?? '').replace(/^# command: /, '')
  const body = lines.slice(3).join('\n')
  const cut = body.indexOf('# --- stderr ---\n')
  const stdout = cut < 0 ? body : body.slice(0, cut)
  const stderr = cut < 0 ? '' : body.slice(cut + '# --- stderr ---\n'.length)
  const json = stdout
    .split('\n')
    .filter((l) => (l.startsWith('{') || l.startsWith('[')) && !l.startsWith('[rc=') && l !== '{')
  return { command, stdout, stderr, json }
}

/** A parse context naming the fixture. */
export function ctxOf(command: string): ParseContext {
  return { host: 'fixture', command }
}
