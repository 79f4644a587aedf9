/**
 * The browser-mode session secret (main/web/sessions.ts). The login redirect delivers it in the
 * URL fragment (`/#replab-secret=…`, never sent to a server); the page moves it to its origin's
 * localStorage (another port on 127.0.0.1 is another origin and cannot read it) and removes it
 * from the address bar. The WebSocket's first message and `POST /logout` carry it; a cookie
 * alone, replayed by anything else, is refused.
 */

const KEY = 'replab.sessionSecret'
const FRAGMENT = /(?:^#|&)replab-secret=([A-Za-z0-9_-]{16,128})/

/** The secret of this page's session: from the fragment (stored, then cleared) or storage. */
export function sessionSecret(): string | null {
  const m = FRAGMENT.exec(window.location.hash)
  if (m?.[1]) {
    try {
      window.localStorage.setItem(KEY, m[1])
    } catch {
      // storage refused (private mode): the secret lives for this page only
    }
    window.history.replaceState(null, '', window.location.pathname + window.location.search)
    return m[1]
  }
  try {
    return window.localStorage.getItem(KEY)
  } catch {
    return null
  }
}

/** Forgets the secret (after logout). */
export function forgetSessionSecret(): void {
  try {
    window.localStorage.removeItem(KEY)
  } catch {
    // nothing stored
  }
}

/**
 * `POST /logout` with the secret: the server ends the session and closes its sockets. Resolves
 * with an error text when the server refused (already ended, wrong page).
 */
export async function logoutRequest(secret: string | null): Promise<string | null> {
  const res = await fetch('/logout', {
    method: 'POST',
    headers: { 'X-Replab-Secret': secret ?? '' },
    credentials: 'same-origin',
  }).catch((err: Error) => ({ ok: false, status: 0, text: async () => err.message }))
  if (res.ok) return null
  return `logout refused (${res.status}): ${(await res.text()).trim()}`
}
