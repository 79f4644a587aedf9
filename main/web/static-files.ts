import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

/**
 * Streams one file of the built renderer, or index.html for `/`; HTML goes through
 * `transformHtml` (the CSP nonce is injected there).
 *
 * Paths are resolved inside `root` only (`..` and absolute paths answer 404); unknown routes
 * without an extension fall back to index.html (single-page app).
 */
export async function serveStatic(
  root: string,
  pathname: string,
  res: ServerResponse,
  transformHtml: (html: string) => string = (html) => html,
): Promise<void> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    res.writeHead(400).end()
    return
  }
  const relative = normalize(decoded === '/' ? '/index.html' : decoded).replace(/^([/\\])+/, '')
  const full = join(root, relative)
  if (
    relative.startsWith('..') ||
    !full.startsWith(root.endsWith(sep) ? root : root + sep) ||
    relative.includes('\0')
  ) {
    res.writeHead(404).end()
    return
  }
  const file = (await isFile(full))
    ? full
    : extname(relative) === ''
      ? join(root, 'index.html')
      : null
  if (file === null || !(await isFile(file))) {
    res
      .writeHead(404, { 'Content-Type': 'text/plain' })
      .end('not found (did `npm run build` run?)\n')
    return
  }
  const type = TYPES[extname(file)] ?? 'application/octet-stream'
  if (extname(file) === '.html') {
    res.writeHead(200, { 'Content-Type': type }).end(transformHtml(await readFile(file, 'utf8')))
    return
  }
  res.writeHead(200, { 'Content-Type': type })
  createReadStream(file).pipe(res)
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}
