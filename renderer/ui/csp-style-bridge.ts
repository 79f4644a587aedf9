/**
 * Makes `<style>` elements that a library writes at run time work under the console's CSP
 * (`style-src 'self'`, no `'unsafe-inline'`): the browser refuses to apply them, so their text is
 * mirrored into constructable stylesheets (`CSSStyleSheet.replaceSync`, adopted by the
 * document), which CSP does not govern. xterm.js's DOM renderer needs this: it writes its cell
 * dimensions and theme colours into `<style>` elements inside the terminal
 * (@xterm/xterm src/browser/renderer/dom/DomRenderer.ts) and has no nonce option.
 *
 * Returns the disposer that stops watching and drops the mirrored sheets.
 */
export function bridgeInlineStyles(root: HTMLElement): () => void {
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>()
  const sync = () => {
    for (const el of root.querySelectorAll('style')) {
      let sheet = sheets.get(el)
      if (!sheet) {
        sheet = new CSSStyleSheet()
        sheets.set(el, sheet)
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet]
      }
      sheet.replaceSync(el.textContent ?? '')
    }
    for (const [el, sheet] of sheets) {
      if (!el.isConnected) drop(el, sheet)
    }
  }
  const drop = (el: HTMLStyleElement, sheet: CSSStyleSheet) => {
    sheets.delete(el)
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet)
  }
  const observer = new MutationObserver(sync)
  observer.observe(root, { childList: true, subtree: true, characterData: true })
  sync()
  return () => {
    observer.disconnect()
    for (const [el, sheet] of sheets) drop(el, sheet)
  }
}
