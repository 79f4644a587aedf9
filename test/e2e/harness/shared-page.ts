import { test, type Page } from '@playwright/test'

import { startConsoleServer, type ConsoleServer } from '../console-server'

/** What `useSharedConsole` gives the tests of one spec file. */
export interface SharedConsole {
  /** The `replab serve` process (labsim hosts, data directory). */
  readonly server: ConsoleServer
  /** One logged-in page at 1600×1000, shared by the file's tests in order. */
  readonly page: Page
  /** Console errors and page errors seen so far. */
  readonly errors: string[]
}

/**
 * Registers, for the calling spec file, serial mode and hooks that start `replab serve` with
 * `args`, log one page in (the login link works once) and collect its console errors; on a
 * failure the server's output and a screenshot are attached. The answer is filled in by
 * beforeAll; reading it earlier throws.
 */
export function useSharedConsole(args: string[]): SharedConsole {
  let state: { server: ConsoleServer; page: Page } | null = null
  const errors: string[] = []
  test.describe.configure({ mode: 'serial' })
  test.beforeAll(async ({ browser }) => {
    const server = await startConsoleServer(args)
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } })
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text())
    })
    page.on('pageerror', (e) => errors.push(e.message))
    state = { server, page }
    await page.goto(server.url)
  })
  // Playwright reads fixtures from a destructured first argument; this hook needs none.
  // eslint-disable-next-line no-empty-pattern
  test.afterEach(async ({}, testInfo) => {
    if (!state || testInfo.status === testInfo.expectedStatus) return
    await testInfo.attach('replab-serve.log', {
      body: state.server.output(),
      contentType: 'text/plain',
    })
    await testInfo.attach('screen', {
      body: await state.page.screenshot(),
      contentType: 'image/png',
    })
  })
  test.afterAll(async () => {
    await state?.page.close()
    await state?.server.stop()
  })
  const get = (): { server: ConsoleServer; page: Page } => {
    if (!state) throw new Error('useSharedConsole: read before beforeAll ran')
    return state
  }
  return {
    get server() {
      return get().server
    },
    get page() {
      return get().page
    },
    errors,
  }
}
