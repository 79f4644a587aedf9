/**
 * The page's CSP allows no inline styles except those carrying the per-load nonce the server put
 * in `<meta name="replab-style-nonce">`. xterm.js's DOM renderer creates `<style>` elements for
 * its theme and cell dimensions (no nonce of its own), so every `<style>` created from script gets
 * the nonce before it is inserted. No `unsafe-inline` needed.
 */
const nonce =
  document.querySelector<HTMLMetaElement>('meta[name="replab-style-nonce"]')?.content ?? ''

if (nonce) {
  const create = Document.prototype.createElement
  Document.prototype.createElement = function createElementWithNonce(
    this: Document,
    tagName: string,
    options?: ElementCreationOptions,
  ): HTMLElement {
    const el = create.call(this, tagName, options)
    if (tagName.toLowerCase() === 'style') el.setAttribute('nonce', nonce)
    return el
  } as typeof Document.prototype.createElement
}

export {}
