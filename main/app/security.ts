/**
 * The Electron security settings of replab's window, kept free of `electron` imports so a plain
 * Node test can load and check them (issue 9, Electron section). main/app/main.ts applies them.
 * Source: Electron security checklist (docs/tutorial/security.md).
 */

import { rendererCsp } from '../web/html'

/** Origin the renderer is served from through the `app://` protocol handler. */
export const APP_ORIGIN = 'app://replab'

/**
 * Content-Security-Policy of every renderer response: no inline script, no eval, no remote
 * origin; inline `<style>` only with the per-load nonce (xterm.js's theme styles).
 */
export function contentSecurityPolicy(nonce: string): string {
  return rendererCsp(nonce)
}

/** `webPreferences` of the main window. `preload` is the absolute path of the bundled preload. */
export function webPreferences(preload: string): Record<string, unknown> {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    // Middle-click opens links in new windows; nothing in the console needs it.
    disableBlinkFeatures: 'Auxclick',
  }
}

/** Options of the main BrowserWindow. */
export function windowOptions(preload: string): Record<string, unknown> {
  return {
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'replab',
    backgroundColor: '#111418',
    webPreferences: webPreferences(preload),
  }
}

/** Navigation is never allowed: the console is one page. */
export function allowNavigation(_url: string): boolean {
  return false
}

/** `setWindowOpenHandler`: every `window.open` / target=_blank is denied. */
export function windowOpenHandler(): { action: 'deny' } {
  return { action: 'deny' }
}

/** Permission requests (camera, notifications, clipboard-read, …) are all denied. */
export function allowPermission(_permission: string): boolean {
  return false
}

/** True when an IPC sender frame is our own page (served from `app://replab/`). */
export function isTrustedFrameUrl(url: string | undefined): boolean {
  if (!url) return false
  try {
    const parsed = new URL(url)
    return parsed.protocol === 'app:' && parsed.host === 'replab'
  } catch {
    return false
  }
}
