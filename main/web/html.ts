import { randomBytes } from 'node:crypto'

/** A fresh CSP nonce (base64, 128 bits) for one page load. */
export function newNonce(): string {
  return randomBytes(16).toString('base64')
}

/**
 * Puts the style nonce into the page (`<meta name="replab-style-nonce">`, read by
 * renderer/csp-nonce.ts) so script-created `<style>` elements (xterm.js) are allowed by
 * `style-src 'self' 'nonce-…'` without `unsafe-inline`.
 */
export function injectNonce(html: string, nonce: string): string {
  const meta = `<meta name="replab-style-nonce" content="${nonce}" />`
  return html.includes('<head>')
    ? html.replace('<head>', `<head>\n    ${meta}`)
    : `${meta}\n${html}`
}

/** The renderer's Content-Security-Policy; `connect` lists extra connect-src sources. */
export function rendererCsp(nonce: string, connect: readonly string[] = []): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' 'nonce-${nonce}'`,
    `connect-src 'self'${connect.map((c) => ` ${c}`).join('')}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'none'",
  ].join('; ')
}
