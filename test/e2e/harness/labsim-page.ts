import { test, type Page } from '@playwright/test'

import { startConsoleServer, type ConsoleServer } from '../console-server'

/** One `replab serve --sim 2` and one logged-in 1600×1000 page, shared by a serial spec. */
export interface LabsimPage {
  readonly server: ConsoleServer
  readonly page: Page
}

/**
 * Registers the hooks of a serial spec on the real back end: starts the server and logs a page
 * in before the tests (the login link works once), attaches a screenshot and the server's log
 * to a failing test, and stops everything after. Read `server`/`page` inside tests only.
 */
export function useLabsimPage(): LabsimPage {
  let server: ConsoleServer | undefined
  let page: Page | undefined
  test.describe.configure({ mode: 'serial' })
  test.beforeAll(async ({ browser }) => {
    server = await startConsoleServer(['--sim', '2'])
    page = await browser.newPage({ viewport: { width: 1600, height: 1000 }, acceptDownloads: true })
    await page.goto(server.url)
  })
  // Playwright reads the fixtures a hook wants from its first parameter: none here.
  // eslint-disable-next-line no-empty-pattern
  test.afterEach(async ({}, testInfo) => {
    if (testInfo.status === testInfo.expectedStatus || !page || !server) return
    await testInfo.attach('screen', { body: await page.screenshot(), contentType: 'image/png' })
    await testInfo.attach('replab-serve.log', { body: server.output(), contentType: 'text/plain' })
  })
  test.afterAll(async () => {
    await page?.close()
    await server?.stop()
  })
  return {
    get server() {
      if (!server) throw new Error('useLabsimPage: server read before beforeAll')
      return server
    },
    get page() {
      if (!page) throw new Error('useLabsimPage: page read before beforeAll')
      return page
    },
  }
}
