/**
 * The page's CSP has no `unsafe-inline`, so the browser refuses every `style` *attribute*
 * (`style-src-attr`), while styles set through the CSSOM (`el.style.color = …`,
 * `el.style.cssText = …`) are not inline styles and are allowed.
 *
 * xterm.js's DOM renderer (DomRendererRowFactory `_addStyle`, @xterm/xterm 6.0) writes cell
 * colours with `setAttribute('style', …)`: for selected cells (a search match is selected), for
 * search-match decorations, 24-bit colours and minimum-contrast fixes. Under the CSP each of
 * those was refused with a console error and the cell lost its colour (issue 18: "search breaks
 * the page's CSP"). This module routes `setAttribute('style', value)` on HTML elements to
 * `style.cssText = value`: the same declarations, applied through the CSSOM. It changes nothing
 * for markup: a `style` attribute in parsed HTML (`innerHTML`, the document) is still refused.
 */
const setAttribute = Element.prototype.setAttribute

Element.prototype.setAttribute = function setAttributeViaCssom(
  this: Element,
  name: string,
  value: string,
): void {
  if (this instanceof HTMLElement && name.toLowerCase() === 'style') {
    this.style.cssText = String(value)
    return
  }
  setAttribute.call(this, name, value)
}

export {}
