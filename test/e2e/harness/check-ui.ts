import { mkdir } from 'node:fs/promises'

import { openConsole } from './console'
import { bigTable, hostKeysAndReadOnly, journeys } from './journeys'

/**
 * UI journeys against the fake `window.lab` in real headless Chromium, through the page
 * objects: `npx tsx test/e2e/harness/check-ui.ts [outDir]` after `vite build`. Prints the
 * longest frame of a scripted scroll through the 2,000-row table. Exits non-zero on failure.
 */
async function main(): Promise<void> {
  const out = process.argv[2] ?? 'test-results/ui-check'
  await mkdir(out, { recursive: true })
  const only = process.env.CHECK
  for (const step of [journeys, hostKeysAndReadOnly, bigTable].filter(
    (f) => !only || f.name === only,
  )) {
    const s = await openConsole({ colorScheme: step === bigTable ? 'dark' : 'light' })
    try {
      await step(s, out)
      const errors = s.errors.filter((e) => !e.includes('favicon'))
      if (errors.length) throw new Error(`console errors: ${errors.join('\n')}`)
      console.log(`ok ${step.name}`)
    } catch (err) {
      await s.page.screenshot({ path: `${out}/failure-${step.name}.png` })
      throw err
    } finally {
      await s.close()
    }
  }
}

await main()
