import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { extname, join, normalize, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { build } from 'esbuild'
import { chromium, type Browser, type Page } from 'playwright-core'

import { injectNonce, newNonce, rendererCsp } from '../../../main/web/html'

const here = fileURLToPath(new URL('.', import.meta.url))
/** Where `vite build` puts the renderer (vite.config.ts). */
export const RENDERER_DIR = resolve(here, '../../../out/renderer')

/**
 * The harness serves the console with the real CSP of main/web/html.ts: a fresh style nonce per
 * page load (injected into index.html), no `unsafe-inline`, no eval, no remote origins — so the
 * UI journeys fail on anything the shipped console would block.
 */

const mime: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}

/** Serves `dir` on 127.0.0.1 (port 0) with the real CSP. Resolves with the server and its URL. */
export async function serveRenderer(dir = RENDERER_DIR): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname))
    const file = join(dir, path === '/' ? 'index.html' : path)
    if (!file.startsWith(dir)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => {
        const nonce = newNonce()
        const html = extname(file) === '.html'
        res.writeHead(200, {
          'content-type': mime[extname(file)] ?? 'application/octet-stream',
          'content-security-policy': rendererCsp(nonce),
        })
        res.end(html ? injectNonce(body.toString('utf8'), nonce) : body)
      },
      () => res.writeHead(404).end('not found'),
    )
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  if (!addr || typeof addr === 'string') throw new Error('no address')
  return { server, url: `http://127.0.0.1:${addr.port}/` }
}

/** Bundles the fake `window.lab` (fake-lab.ts) into one IIFE for `page.addInitScript`. */
export async function fakeLabScript(): Promise<string> {
  const out = await build({
    entryPoints: [join(here, 'fake-lab.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
  })
  const file = out.outputFiles[0]
  if (!file) throw new Error('esbuild produced no output')
  return file.text
}

/** Chromium flags for the shared CI box (no GPU, no background traffic). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]

/** A running console page and how to shut it down (browser and server). */
export interface ConsoleSession {
  browser: Browser
  page: Page
  url: string
  /** Console errors and page errors seen so far. */
  errors: string[]
  close(): Promise<void>
}

/**
 * Launches headless Chromium (`/usr/bin/chromium` unless `CHROMIUM` is set) on the built
 * renderer. With `fake: true` the page gets the fake `window.lab`; otherwise `url` must point at
 * a real browser-mode server (`npm run web`).
 */
export async function openConsole(
  opts: {
    fake?: boolean
    url?: string
    width?: number
    height?: number
    colorScheme?: 'light' | 'dark'
  } = {},
): Promise<ConsoleSession> {
  const served = opts.url ? null : await serveRenderer()
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  })
  const context = await browser.newContext({
    viewport: { width: opts.width ?? 1600, height: opts.height ?? 1000 },
    colorScheme: opts.colorScheme ?? 'light',
    acceptDownloads: true,
  })
  if (opts.fake !== false && !opts.url)
    await context.addInitScript({ content: await fakeLabScript() })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text())
  })
  page.on('pageerror', (e) => errors.push(e.message))
  const url = opts.url ?? served!.url
  await page.goto(url)
  return {
    browser,
    page,
    url,
    errors,
    async close() {
      await browser.close()
      if (served) await new Promise((r) => served.server.close(r))
    },
  }
}
