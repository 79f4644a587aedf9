import { expect, test } from '@playwright/test'

import { startConsoleServer, type ConsoleServer } from './console-server'

// Issue 20, browser mode in Debian's Chromium on the real back end: the login link's redirect
// hands the page its session secret in the URL fragment, which the page moves out of the address
// bar into its own storage and sends as the socket's first message; the top bar's Log out ends
// the session on the server (its sockets close, its cookie stops working).

let server: ConsoleServer

test.beforeAll(async () => {
  server = await startConsoleServer()
})
test.afterAll(async () => {
  await server?.stop()
})

test('log in, the secret leaves the address bar, log out ends the session', async ({ page }) => {
  await page.goto(server.url)
  const status = page.getByRole('status', { name: 'Console server connection' })
  await expect(status).toHaveText('connected to console server')
  await expect(page.getByRole('button', { name: 'Host sim-a' })).toBeVisible()
  expect(new URL(page.url()).hash).toBe('')
  expect(new URL(page.url()).search).toBe('')
  // A reload keeps the session: the secret is in the page's storage, the cookie in the browser.
  await page.reload()
  await expect(status).toHaveText('connected to console server')
  await page.getByRole('button', { name: 'Log out' }).click()
  await expect(status).toHaveText('logged out: open a new login link from replab to continue')
  await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0)
  const again = await page.request.get(new URL('/', server.url).href)
  expect(again.status()).toBe(401)
})
