import { useQueryClient } from '@tanstack/react-query'
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react'

import type { SocketState } from './ws-client'

/** The console-server connection as views need it: its state and a way to end the backoff. */
export interface SocketInfo {
  state: SocketState
  retryNow: () => void
}

/** Query families fetched from the back end (the others are fed by events only). */
const FETCHED = new Set(['hosts', 'snapshot', 'drills', 'audit'])

const Ctx = createContext<SocketInfo>({ state: { state: 'open' }, retryNow: () => {} })

/**
 * Provides the socket state to every view, and refetches every query when the socket opens
 * again: events sent while it was down are lost, so the cache is stale until refetched.
 */
export function SocketProvider({
  current,
  onState,
  retryNow,
  children,
}: {
  current: () => SocketState
  onState: (l: (s: SocketState) => void) => () => void
  retryNow: () => void
  children: ReactNode
}) {
  const qc = useQueryClient()
  const [state, setState] = useState(current)
  const wasDown = useRef(false)
  useEffect(() => {
    const apply = (s: SocketState) => {
      setState(s)
      if (s.state === 'closed') wasDown.current = true
      if (s.state === 'open' && wasDown.current) {
        wasDown.current = false
        void qc.invalidateQueries({
          predicate: (q) => FETCHED.has(String(q.queryKey[0])),
        })
      }
    }
    const off = onState(apply)
    apply(current())
    return off
  }, [current, onState, qc])
  return <Ctx.Provider value={{ state, retryNow }}>{children}</Ctx.Provider>
}

/** The console-server socket state (always `open` in Electron). */
export function useSocket(): SocketInfo {
  return useContext(Ctx)
}
