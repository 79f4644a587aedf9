import type { Page } from '@playwright/test'

/** A call's answer as the WebSocket front door sends it (contract/wire.ts `result`). */
export type RawResult =
  { ok: true; value: unknown } | { ok: false; error: { code: string; message: string } }

/**
 * Makes one contract call from inside the logged-in page over a fresh WebSocket to `/ws` (the
 * session cookie goes with it, the page's session secret is sent first), bypassing the
 * console's own client: what any script in the page, or a hand-written request, could send.
 * Resolves with the result envelope.
 */
export function rawCall(page: Page, channel: string, request: unknown): Promise<RawResult> {
  return page.evaluate(
    ([channel, request]) =>
      new Promise<RawResult>((resolve, reject) => {
        const ws = new WebSocket(`ws://${location.host}/ws`)
        const timer = setTimeout(() => reject(new Error(`${channel}: no answer in 20 s`)), 20_000)
        // A socket proves the session's secret first (main/web/sessions.ts), as the page does.
        const secret = window.localStorage.getItem('replab.sessionSecret')
        ws.onopen = () => {
          ws.send(JSON.stringify({ t: 'auth', secret }))
          ws.send(JSON.stringify({ t: 'call', id: 1, channel, request }))
        }
        ws.onerror = () => reject(new Error(`${channel}: WebSocket error`))
        ws.onmessage = (m) => {
          if (typeof m.data !== 'string') return
          const msg = JSON.parse(m.data) as { t: string; id?: number; result?: RawResult }
          if (msg.t !== 'result' || msg.id !== 1 || !msg.result) return
          clearTimeout(timer)
          ws.close()
          resolve(msg.result)
        }
      }),
    [channel, request] as const,
  )
}
