import { expect, test } from '@playwright/test'

import { openRealPath, type RealPath } from '../bench/trace-real'
import { TracePane } from './pages'

// Issue 8: "A 100 MB burst through the real path (labsim → SSH → main → WebSocket → xterm in
// Chromium) loses no line: the counts match." labsim runs in its own process (as under
// `replab serve`) and pushes numbered mlx5_fw lines into the first host's trace ring as fast as
// it can; the pane's `cat trace_pipe` carries them over SSH through main's ack window into the
// console's xterm. Four counts must agree: lines labsim pushed, lines that arrived on the
// WebSocket (counted by a page hook), main's sent count and the lines xterm wrote (the pane's
// toolbar). Not a timed test: rates are reported by `npm run bench`.

const MB = Number(process.env.REPLAB_FLOOD_MB ?? 100)

let path: RealPath | undefined

test.afterEach(async () => {
  await path?.close()
  path = undefined
})

test(`a ${MB} MB trace burst reaches the pane with every line`, async ({ browser }, testInfo) => {
  test.setTimeout(900_000)
  path = await openRealPath(browser)
  const pane = new TracePane(path.page, 'Firmware trace')
  // Lines the pane showed before the burst (none is expected, but the tracer may be chatty).
  const before = (await pane.counts().count()) > 0 ? await pane.waitForCountsEqual() : 0
  const lines = await path.flood(Math.round(MB * 1e6))
  const result = await path.finish(lines)
  await testInfo.attach('flood.json', {
    body: JSON.stringify({ mb: MB, flooded: lines, ...result }, null, 2),
    contentType: 'application/json',
  })
  expect(result.lost, 'lines lost between labsim and the page').toBe(0)
  expect(result.lines).toBe(lines)
  // Main's count and xterm's count, as the pane shows them, once the last acks are in.
  const shown = await pane.waitForCountsEqual(60_000)
  expect(shown - before).toBeGreaterThanOrEqual(lines)
  expect(shown - before - lines, 'lines that were not part of the burst').toBeLessThan(10)
  // The last line is on screen, highlighted as a firmware trace line.
  await expect(pane.highlighted(6, `seq=${String(lines - 1).padStart(10, '0')}`)).toBeVisible()
})
