import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

import {
  app,
  BrowserWindow,
  net,
  protocol,
  session,
  utilityProcess,
  type WebContents,
} from 'electron'

import { attachWindow, registerIpc } from '../ipc/register'
import { createBackend, type Backend } from '../service/backend'
import { injectNonce, newNonce } from '../web/html'
import { parseSimAnnouncement } from '../service/sim-hosts'
import {
  allowNavigation,
  allowPermission,
  APP_ORIGIN,
  contentSecurityPolicy,
  isTrustedFrameUrl,
  windowOpenHandler,
  windowOptions,
} from './security'

/**
 * Electron composition root: one sandboxed window served from `app://replab/`, the back end,
 * and labsim started as a utility process of its own (unless `--no-sim`).
 */

protocol.registerSchemesAsPrivileged([
  { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
])

const rendererDir = join(__dirname, '../renderer')

function serveRenderer(): void {
  protocol.handle('app', async (request) => {
    const url = new URL(request.url)
    const path = url.pathname === '/' ? '/index.html' : url.pathname
    const file = join(rendererDir, decodeURIComponent(path))
    if (!file.startsWith(rendererDir)) return new Response('not found', { status: 404 })
    const res = await net.fetch(pathToFileURL(file).toString())
    const headers = new Headers(res.headers)
    const nonce = newNonce()
    headers.set('Content-Security-Policy', contentSecurityPolicy(nonce))
    headers.set('X-Content-Type-Options', 'nosniff')
    if (file.endsWith('.html') && res.ok) {
      headers.set('Content-Type', 'text/html; charset=utf-8')
      return new Response(injectNonce(await res.text(), nonce), { status: 200, headers })
    }
    return new Response(res.body, { status: res.status, headers })
  })
}

function hardenSessions(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback) =>
    callback(allowPermission(permission)),
  )
  session.defaultSession.setPermissionCheckHandler((_wc, permission) => allowPermission(permission))
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (e) => e.preventDefault())
    contents.on('will-navigate', (e, url) => {
      if (!allowNavigation(url)) e.preventDefault()
    })
    contents.setWindowOpenHandler(windowOpenHandler)
  })
}

async function startLab(backend: Backend): Promise<void> {
  const child = utilityProcess.fork(
    join(__dirname, '../labsim/cli.cjs'),
    ['--hosts', '2', '--speed', '0.25'],
    { stdio: 'pipe' },
  )
  app.on('before-quit', () => child.kill())
  // labsim announces its hosts in its first stdout line (docs/design.md); later output is ignored.
  let buffered: string | null = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    if (buffered === null) return
    buffered += chunk.toString()
    const newline = buffered.indexOf('\n')
    if (newline < 0) return
    const line = buffered.slice(0, newline)
    buffered = null
    void Promise.resolve()
      .then(() => backend.addSimulatedHosts(parseSimAnnouncement(line)))
      .catch((err: Error) => console.error(`replab: labsim hosts: ${err.message}`))
  })
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
}

async function createWindow(backend: Backend): Promise<BrowserWindow> {
  const options = windowOptions(join(__dirname, '../preload/index.cjs'))
  // The security flags are repeated literally at the call site so static checkers
  // (electronegativity, in CI) can see them; security.ts is what the unit tests check.
  const win = new BrowserWindow({
    ...options,
    webPreferences: {
      ...(options.webPreferences as object),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webviewTag: false,
      disableBlinkFeatures: 'Auxclick',
    },
  })
  const trusted = (contents: WebContents): boolean => contents === win.webContents
  registerIpc(
    backend.dispatcher,
    (frame, contents) => trusted(contents) && isTrustedFrameUrl(frame?.url),
  )
  const detach = attachWindow(backend.hub, backend.dispatcher, win.webContents)
  win.on('closed', detach)
  win.once('ready-to-show', () => win.show())
  await win.loadURL(`${APP_ORIGIN}/index.html`)
  return win
}

async function main(): Promise<void> {
  await app.whenReady()
  hardenSessions()
  serveRenderer()
  const backend = await createBackend({ dataDir: app.getPath('userData') })
  app.on('window-all-closed', () => {
    void backend.close().finally(() => app.quit())
  })
  if (!process.argv.includes('--no-sim')) await startLab(backend)
  await createWindow(backend)
}

main().catch((err: Error) => {
  console.error(`replab: failed to start: ${err.stack ?? err.message}`)
  app.exit(1)
})
