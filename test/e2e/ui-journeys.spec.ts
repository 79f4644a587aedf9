import { test, expect } from '@playwright/test'

import { openConsole } from './harness/console'
import { bigTable, hostKeysAndReadOnly, journeys } from './harness/journeys'

// Every control, the drill view, the host-key dialogs, read-only mode and the 2,000-row table,
// driven through the page objects in real Chromium. The back end here is the test-only fake
// `window.lab` (test/e2e/harness), which can produce states labsim cannot on demand (a changed
// host key, 2,000 representors, a missing IB representor); foundation.spec.ts and
// labsim-journeys.spec.ts drive the real back end.

for (const [name, journey, colorScheme] of [
  ['every control, a drill to its report, and the trace pane', journeys, 'light'],
  ['host-key dialogs, read-only mode, add host, search, shortcuts', hostKeysAndReadOnly, 'light'],
  ['the 2,000-row representors table renders, filters, sorts and scrolls', bigTable, 'dark'],
] as const) {
  test(name, async ({}, testInfo) => {
    const session = await openConsole({ colorScheme })
    try {
      await journey(session, testInfo.outputDir)
      expect(session.errors.filter((e) => !e.includes('favicon'))).toEqual([])
    } catch (err) {
      await session.page.screenshot({ path: testInfo.outputPath('failure.png') })
      throw err
    } finally {
      await testInfo
        .attach('screen', { body: await session.page.screenshot(), contentType: 'image/png' })
        .catch(() => {})
      await session.close()
    }
  })
}
