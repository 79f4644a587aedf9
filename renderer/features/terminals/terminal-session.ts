import type { SearchAddon } from '@xterm/addon-search'
import type { Terminal } from '@xterm/xterm'

import type { TerminalKind } from '../../../contract/terminals'
import {
  createAckCounter,
  openTerminalStream,
  type LineCounts,
  type TerminalStream,
} from '../../api/terminal-stream'
import { describeError } from '../../api/unwrap'
import type { Theme } from '../../ui/theme'

import { DisposableStore } from './disposable-store'
import type { DrillLink } from './drill-link'
import type { RendererChoice } from './gpu-renderer'
import { createXterm } from './xterm-parts'

export { TERM_THEMES } from './xterm-parts'

/**
 * Largest piece handed to `term.write` at once, in bytes: about 1 ms of parsing on these
 * machines (docs/perf.md: ≈20–40 MB/s ingest), so xterm can yield within its 12 ms budget.
 */
export const WRITE_SLICE_BYTES = 16 * 1024

/** Serialized scrollback per pane key, restored when a pane with that key opens again. */
const scrollback = new Map<string, string>()

/** A mounted terminal: the xterm, its search addon, and `dispose()` (the only owner). */
export interface TerminalSession {
  term: Terminal
  fit(): void
  search: SearchAddon
  dispose(): void
}

/** Options of `mountTerminal`. `onStatus` gets human-readable stream states. */
export interface MountOptions {
  hostId: string
  kind: TerminalKind
  /** The pane's name (`sim-a Shell 2`), for the input's label. */
  label: string
  /**
   * Names the scrollback kept when the pane closes (`<host>/<kind>/<n>`): a pane opened later
   * with the same key starts with it.
   */
  scrollbackKey: string
  theme: Theme
  onStatus: (text: string) => void
  /** Main's line counts (sent, and written into this xterm), at most once a second. */
  onCounts?: (counts: LineCounts) => void
  /** A highlighted line was clicked: the drill step running when it arrived. */
  onDrillLink?: (link: DrillLink) => void
  /** The xterm renderer in use and why (gpu-renderer.ts); again if WebGL falls back to DOM. */
  onRenderer?: (choice: RendererChoice) => void
}

/**
 * Creates the pane's xterm (xterm-parts.ts), restores its serialized scrollback, opens the
 * stream and wires it: bytes go to `term.write(slice, cb)` in slices of WRITE_SLICE_BYTES; the
 * callback feeds the ack counter, which acks about every FLOW.ackBytes and after 250 ms idle.
 * Ctrl-C (without a selection) is sent as `terminals:interrupt`, keystrokes of the shell as
 * `terminals:input`, size changes as `terminals:resize`. Everything is owned by one
 * DisposableStore: `dispose()` serializes the scrollback, closes the stream, then the xterm.
 */
export function mountTerminal(el: HTMLElement, o: MountOptions): TerminalSession {
  const store = new DisposableStore()
  let stream: (TerminalStream & { dispose(): void }) | null = null
  const { term, search, serialize, fit } = createXterm(
    el,
    {
      readOnly: o.kind !== 'shell',
      label: o.label,
      theme: o.theme,
      ...(o.onDrillLink ? { onDrillLink: o.onDrillLink } : {}),
      ...(o.onRenderer ? { onRenderer: o.onRenderer } : {}),
      onKey: (e) => {
        if (e.type === 'keydown' && e.ctrlKey && e.key === 'c' && !term.hasSelection()) {
          stream?.interrupt()
          return false
        }
        return true
      },
    },
    store,
  )
  const saved = scrollback.get(o.scrollbackKey)
  if (saved)
    term.write(`${saved}\r\n\x1b[2m--- above: ${o.label} before it was closed ---\x1b[0m\r\n`)

  const acks = ackWhenConsumed((bytes, lines) => stream?.ack(bytes, lines))
  const consumed = acks.consumed
  // xterm checks its 12 ms parse budget only between writes (WriteBuffer._innerWrite), so a
  // coalesced chunk of up to 256 KB is cut into slices: the page gets a frame between slices.
  const write = (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length; at += WRITE_SLICE_BYTES) {
      const slice = bytes.subarray(at, at + WRITE_SLICE_BYTES)
      term.write(slice, () => consumed(slice))
    }
  }
  store.add(term.onData((d) => stream?.input(d)))
  // The contract's smallest terminal is 2 x 2: a pane squeezed to one row still reports 2.
  const resize = (cols: number, rows: number) =>
    stream?.resize(Math.max(2, cols), Math.max(2, rows))
  store.add(term.onResize(({ cols, rows }) => resize(cols, rows)))
  // Disposed before the xterm (reverse order): keep the scrollback, flush acks, close the stream.
  store.defer(() => {
    acks.dispose()
    scrollback.set(o.scrollbackKey, serialize.serialize({ scrollback: 5_000 }))
    stream?.close()
    stream?.dispose()
  })
  // A pane mounted while its dock is still being laid out can measure one row: the contract
  // wants at least 2 (the size is sent again once the stream is open, below).
  const opening = {
    hostId: o.hostId,
    kind: o.kind,
    cols: Math.max(2, term.cols),
    rows: Math.max(2, term.rows),
  }
  openTerminalStream(opening, {
    data: write,
    status: (state, msg, counts) => {
      if (counts) o.onCounts?.(counts)
      // A count-only push repeats `open` without a message: keep the log path shown.
      if (state !== 'open' || msg) o.onStatus(msg ? `${state}: ${msg}` : state)
    },
  }).then(
    (s) => {
      if (store.isDisposed) {
        s.close()
        s.dispose()
        return
      }
      stream = s
      // The pane may have been fitted while the open was in flight: main gets the size now.
      if (term.cols !== opening.cols || term.rows !== opening.rows) resize(term.cols, term.rows)
      o.onStatus(s.logPath ? `open · log ${s.logPath}` : 'open')
    },
    (err: unknown) => {
      if (store.isDisposed) return
      o.onStatus(`failed: ${describeError(err)}`)
      term.write(`\r\n\x1b[31m[replab] ${describeError(err)}\x1b[0m\r\n`)
    },
  )
  return { term, search, fit, dispose: () => store.dispose() }
}

/**
 * Acks consumed bytes through `send` about every FLOW.ackBytes, and what is pending after 250 ms
 * without output: one timer, re-armed when it fires early (not a clear and a set per slice
 * written, which a flood does thousands of times a second). `dispose()` flushes and stops it.
 */
function ackWhenConsumed(send: (bytes: number, lines: number) => void): {
  consumed(bytes: Uint8Array): void
  dispose(): void
} {
  const counter = createAckCounter(send)
  let idle: ReturnType<typeof setTimeout> | undefined
  let last = 0
  const idleFlush = (): void => {
    const wait = last + 250 - performance.now()
    if (wait > 1) idle = setTimeout(idleFlush, wait)
    else {
      idle = undefined
      counter.flush()
    }
  }
  return {
    consumed(bytes) {
      counter.consumed(bytes)
      last = performance.now()
      idle ??= setTimeout(idleFlush, 250)
    },
    dispose() {
      clearTimeout(idle)
      counter.flush()
    },
  }
}
