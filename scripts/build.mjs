// `npm run build`: the renderer with Vite, and main, preload (one bundled file, as a sandboxed
// preload requires) and the labsim entry with esbuild, all into out/.
import { rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

import { build as esbuild } from 'esbuild'
import { build as viteBuild } from 'vite'

const root = fileURLToPath(new URL('..', import.meta.url))
const rendererOnly = process.argv.includes('--renderer-only')

async function buildRenderer() {
  await viteBuild({ configFile: `${root}vite.config.ts`, logLevel: 'warn' })
}

async function buildNode() {
  const common = {
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    logLevel: 'warning',
  }
  await Promise.all([
    esbuild({
      ...common,
      entryPoints: [`${root}main/app/main.ts`],
      outfile: `${root}out/main/index.cjs`,
      external: ['electron'],
      packages: 'external',
    }),
    // The preload is bundled whole (zod and the contract included): sandboxed preloads can
    // require only `electron` and a few polyfilled modules.
    esbuild({
      ...common,
      entryPoints: [`${root}preload/index.ts`],
      outfile: `${root}out/preload/index.cjs`,
      external: ['electron'],
    }),
    esbuild({
      ...common,
      entryPoints: [`${root}labsim/cli.ts`],
      outfile: `${root}out/labsim/cli.cjs`,
      packages: 'external',
    }),
  ])
}

const started = Date.now()
// Only the bundles: out/tsc holds tsc -b's incremental declaration output.
if (!rendererOnly) {
  for (const dir of ['main', 'preload', 'labsim'])
    await rm(`${root}out/${dir}`, { recursive: true, force: true })
}
await buildRenderer()
if (!rendererOnly) await buildNode()
console.error(
  `replab: built ${rendererOnly ? 'renderer' : 'main, preload, labsim and renderer'} into out/ in ${Date.now() - started} ms`,
)
