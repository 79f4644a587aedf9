import { access, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { build } from 'esbuild'
import { chromium, type Browser } from 'playwright-core'

/**
 * Headless Chromium for the browser sections: Debian's /usr/bin/chromium (or `CHROMIUM`)
 * through playwright-core, with the flags of the brief, and esbuild bundling of page scripts.
 */

/** Flags for a shared 2-core box without GPU. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

/** The Chromium binary used. */
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'

/** Launches Chromium; rejects with "chromium not installed" when the binary is missing. */
export async function launchChromium(): Promise<Browser> {
  try {
    await access(CHROMIUM)
  } catch {
    throw new Error(`${CHROMIUM} not installed`)
  }
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/** Bundles a page script next to this file into one browser IIFE (source text). */
export async function bundlePage(file: string): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL(file, import.meta.url))],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  })
  const f = out.outputFiles[0]
  if (!f) throw new Error(`esbuild produced nothing for ${file}`)
  return f.text
}

/** xterm.js's stylesheet (needed for correct DOM-renderer layout). */
export async function xtermCss(): Promise<string> {
  return readFile(
    fileURLToPath(new URL('../../node_modules/@xterm/xterm/css/xterm.css', import.meta.url)),
    'utf8',
  )
}
