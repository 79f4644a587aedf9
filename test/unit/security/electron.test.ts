import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { calls, type CallDef } from '../../../contract'
import {
  allowNavigation,
  allowPermission,
  APP_ORIGIN,
  contentSecurityPolicy,
  isTrustedFrameUrl,
  webPreferences,
  windowOpenHandler,
  windowOptions,
} from '../../../main/app/security'

// Issue 9, Electron: the real window options and session-handler decisions of main/app/security.ts
// (the electron-free half that main/app/main.ts applies), plus a static read of main.ts and
// ipc/register.ts proving every handler goes through them (Electron cannot start here).

const root = join(__dirname, '../../..')
const source = (file: string): Promise<string> => readFile(join(root, file), 'utf8')

function directives(csp: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of csp.split(';')) {
    const [name, ...values] = part.trim().split(/\s+/)
    if (name) out.set(name, values)
  }
  return out
}

describe('window options', () => {
  const prefs = windowOptions('/abs/preload.cjs').webPreferences as Record<string, unknown>

  it('isolates the renderer: sandbox, contextIsolation, no Node, no webview', () => {
    expect(prefs).toMatchObject({
      preload: '/abs/preload.cjs',
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
    })
    expect(webPreferences('/p')).toEqual({ ...prefs, preload: '/p' })
  })

  it('sets no option that weakens the defaults', () => {
    for (const key of ['enableRemoteModule', 'enableBlinkFeatures', 'additionalArguments']) {
      expect(prefs[key]).toBeUndefined()
    }
  })
})

describe('content security policy', () => {
  const csp = contentSecurityPolicy('n0nce-AbC123')
  const d = directives(csp)

  it('has no unsafe-inline, unsafe-eval, wildcard or remote source', () => {
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|unsafe-hashes|wasm-unsafe-eval/)
    expect(csp).not.toMatch(/\*|https?:|ws:/)
  })

  it('allows inline styles only with the per-load nonce', () => {
    expect(d.get('style-src')).toEqual(["'self'", "'nonce-n0nce-AbC123'"])
    expect(contentSecurityPolicy('other')).not.toContain('n0nce-AbC123')
  })

  it('locks scripts, objects, base and framing', () => {
    expect(d.get('default-src')).toEqual(["'self'"])
    expect(d.get('script-src')).toEqual(["'self'"])
    expect(d.get('object-src')).toEqual(["'none'"])
    expect(d.get('base-uri')).toEqual(["'none'"])
    expect(d.get('frame-ancestors')).toEqual(["'none'"])
    expect(d.get('form-action')).toEqual(["'none'"])
  })
})

describe('navigation, window.open and permissions', () => {
  it('denies every navigation, even to our own origin', () => {
    for (const url of [
      `${APP_ORIGIN}/index.html`,
      'https://evil.example/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      '',
    ]) {
      expect(allowNavigation(url)).toBe(false)
    }
  })

  it('denies window.open', () => {
    expect(windowOpenHandler()).toEqual({ action: 'deny' })
  })

  it('denies every permission', () => {
    for (const p of [
      'media',
      'notifications',
      'clipboard-read',
      'geolocation',
      'openExternal',
      'hid',
      'serial',
      'fullscreen',
    ]) {
      expect(allowPermission(p)).toBe(false)
    }
  })
})

describe('isTrustedFrameUrl', () => {
  it('accepts only app://replab/…', () => {
    expect(isTrustedFrameUrl('app://replab/index.html')).toBe(true)
    expect(isTrustedFrameUrl('app://replab/')).toBe(true)
  })

  it('rejects every other origin and malformed input', () => {
    for (const url of [
      undefined,
      '',
      'not a url',
      'app://replab.evil/index.html',
      'app://evil/index.html',
      'app://replab:8080/index.html',
      'app://user@evil/',
      'http://replab/index.html',
      'https://replab/',
      'file:///app/replab/index.html',
      'about:blank',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      'chrome-extension://replab/',
      'devtools://devtools/bundled/inspector.html',
    ]) {
      expect(isTrustedFrameUrl(url), String(url)).toBe(false)
    }
  })
})

describe('main.ts applies the checked settings (static)', () => {
  it('creates windows only from windowOptions and registers the session handlers', async () => {
    const main = await source('main/app/main.ts')
    expect(main.match(/new BrowserWindow\(/g)).toHaveLength(1)
    expect(main).toMatch(/const options = windowOptions\(/)
    expect(main).toMatch(/new BrowserWindow\(\{\s*\.\.\.options,/)
    expect(main).toMatch(
      /setPermissionRequestHandler\([^)]*\)\s*=>\s*\n?\s*callback\(allowPermission\(/,
    )
    expect(main).toMatch(/setPermissionCheckHandler\([^]*?allowPermission\(/)
    expect(main).toMatch(/will-navigate[^]*?allowNavigation\(url\)[^]*?preventDefault/)
    expect(main).toMatch(/will-attach-webview[^]*?preventDefault/)
    expect(main).toMatch(/setWindowOpenHandler\(windowOpenHandler\)/)
    expect(main).toMatch(/web-contents-created/)
    expect(main).toMatch(/'Content-Security-Policy', contentSecurityPolicy\(nonce\)/)
    expect(main).toMatch(/const nonce = newNonce\(\)/)
    expect(main).not.toMatch(/shell\.openExternal/)
  })

  it('the literal webPreferences at the call site only repeat or tighten the checked ones', async () => {
    const main = await source('main/app/main.ts')
    const literal = /webPreferences:\s*\{([^}]*)\}/.exec(main)?.[1] ?? ''
    expect(literal).toMatch(/\.\.\.\(options\.webPreferences as object\)/)
    const after = literal.slice(literal.indexOf('...(options.webPreferences'))
    expect(after).toMatch(/contextIsolation: true/)
    expect(after).toMatch(/sandbox: true/)
    expect(after).toMatch(/nodeIntegration: false/)
    expect(after).toMatch(/webviewTag: false/)
    expect(after).not.toMatch(/(sandbox|contextIsolation|webSecurity): false/)
    expect(after).not.toMatch(
      /(nodeIntegration\w*|webviewTag|allowRunningInsecureContent|experimentalFeatures): true/,
    )
  })

  it('the IPC sender check is the window itself plus an app://replab frame', async () => {
    const main = await source('main/app/main.ts')
    expect(main).toMatch(
      /registerIpc\(\s*backend\.dispatcher,\s*\(frame, contents\) => trusted\(contents\) && isTrustedFrameUrl\(frame\?\.url\)/,
    )
    expect(main).toMatch(/contents === win\.webContents/)
  })

  it('the renderer protocol handler refuses paths outside the renderer folder', async () => {
    const main = await source('main/app/main.ts')
    expect(main).toMatch(
      /if \(!file\.startsWith\(rendererDir\)\) return new Response\('not found', \{ status: 404 \}\)/,
    )
  })
})

describe('every IPC handler checks its sender (static)', () => {
  it('register.ts installs handlers only inside the checked loop', async () => {
    const reg = await source('main/ipc/register.ts')
    const handles = reg.match(/ipcMain\.(handle|on|once|handleOnce)\(/g) ?? []
    expect(handles).toEqual(['ipcMain.handle('])
    const body = reg.slice(reg.indexOf('ipcMain.handle('))
    const check = body.indexOf('if (!isTrusted(event.senderFrame, event.sender))')
    const dispatch = body.indexOf('dispatcher.dispatch(')
    expect(check).toBeGreaterThan(0)
    expect(dispatch).toBeGreaterThan(check)
    expect(body.slice(check, dispatch)).toMatch(
      /return \{\s*ok: false,\s*error: labError\('invalid-request'/,
    )
  })

  it('no other main-process file registers IPC handlers', async () => {
    const { glob } = await import('tinyglobby')
    const files = await glob(['main/**/*.ts'], { cwd: root })
    const offenders: string[] = []
    for (const f of files) {
      if (f === 'main/ipc/register.ts') continue
      if (/ipcMain\.(handle|on|once|handleOnce)\(/.test(await source(f))) offenders.push(f)
    }
    expect(offenders).toEqual([])
  })

  it('covers every contract call channel (one handler per call, all in the loop)', () => {
    const channels = Object.values(calls).flatMap((verbs) =>
      Object.values(verbs as Record<string, CallDef>).map((d) => d.channel),
    )
    expect(channels.length).toBeGreaterThan(10)
    expect(new Set(channels).size).toBe(channels.length)
  })

  it('the preload exposes only a fixed API through contextBridge, never ipcRenderer itself', async () => {
    const { glob } = await import('tinyglobby')
    const files = await glob(['preload/**/*.ts'], { cwd: root })
    expect(files.length).toBeGreaterThan(0)
    const text = (await Promise.all(files.map(source))).join('\n')
    expect(text).toMatch(/contextBridge\.exposeInMainWorld\(/)
    expect(text).not.toMatch(/exposeInMainWorld\([^)]*ipcRenderer\s*\)/)
    expect(text).not.toMatch(/require\(['"]child_process|from ['"]node:child_process/)
  })
})
