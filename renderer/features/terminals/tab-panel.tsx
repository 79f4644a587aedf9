import {
  Fragment,
  useRef,
  useState,
  type KeyboardEvent,
  type PointerEvent,
  type RefObject,
} from 'react'

import type { HostView } from '../../../contract/hosts'
import type { Theme } from '../../ui/theme'

import type { DrillLink } from './drill-link'
import { WorkspacePane } from './workspace-pane'
import type { PaneSpec, TabSpec } from './workspace-model'

/** Smallest share of a tab one pane can be dragged down to. */
const MIN_SHARE = 0.15

/**
 * The share of a tab each pane takes (flex-grow weights, equal at first), and the handlers of
 * the divider after pane `i`: drag with the pointer, or arrow keys (5 % a press).
 */
function useSplitShares(panes: PaneSpec[], box: RefObject<HTMLElement | null>) {
  const [shares, setShares] = useState<Record<string, number>>({})
  const share = (id: string) => shares[id] ?? 1 / panes.length
  /** Moves the boundary after pane `i` by `delta` of the panel's size. */
  const move = (i: number, delta: number) => {
    const a = panes[i]
    const b = panes[i + 1]
    if (!a || !b) return
    const total = share(a.id) + share(b.id)
    const next = Math.min(total - MIN_SHARE, Math.max(MIN_SHARE, share(a.id) + delta))
    setShares((s) => ({ ...s, [a.id]: next, [b.id]: total - next }))
  }
  const drag = (i: number) => (e: PointerEvent<HTMLDivElement>) => {
    const el = box.current
    if (!el) return
    const target = e.currentTarget
    target.setPointerCapture(e.pointerId)
    const rect = el.getBoundingClientRect()
    // The stylesheet may stack a `row` tab in a narrow dock: follow what is on screen.
    const column = getComputedStyle(el).flexDirection.startsWith('column')
    let last = column ? e.clientY : e.clientX
    const onMove = (ev: globalThis.PointerEvent) => {
      const at = column ? ev.clientY : ev.clientX
      move(i, (at - last) / (column ? rect.height : rect.width))
      last = at
    }
    target.addEventListener('pointermove', onMove)
    target.addEventListener('pointerup', () => target.removeEventListener('pointermove', onMove), {
      once: true,
    })
  }
  const key = (i: number) => (e: KeyboardEvent<HTMLDivElement>) => {
    const step = { ArrowLeft: -0.05, ArrowUp: -0.05, ArrowRight: 0.05, ArrowDown: 0.05 }[e.key]
    if (step === undefined) return
    e.preventDefault()
    move(i, step)
  }
  return { share, drag, key }
}

/**
 * One tab's panel: its panes side by side (`row`; the stylesheet stacks them when the dock is
 * too narrow) or stacked (`column`), with a draggable divider between neighbours (also arrow
 * keys when focused). Every tab panel stays mounted while hidden, so its streams keep running.
 */
export function TabPanel({
  tab,
  label,
  labelId,
  panes,
  hosts,
  active,
  theme,
  onClosePane,
  onDrillLink,
}: {
  tab: TabSpec
  label: string
  labelId: string
  panes: PaneSpec[]
  hosts: Map<string, HostView>
  active: boolean
  theme: Theme
  onClosePane: (paneId: string) => void
  onDrillLink?: (link: DrillLink, hostId: string) => void
}) {
  const box = useRef<HTMLElement>(null)
  const { share, drag, key } = useSplitShares(panes, box)
  return (
    <section
      ref={box}
      role="tabpanel"
      id={`ws-panel-${tab.id}`}
      aria-labelledby={labelId}
      hidden={!active}
      className={`ws-panel ws-${tab.direction}`}
    >
      {panes.map((pane, i) => (
        <Fragment key={pane.id}>
          {i > 0 && (
            <div
              className="ws-divider"
              role="separator"
              tabIndex={0}
              aria-label={`Resize ${label.split(' | ')[i - 1]} and ${label.split(' | ')[i]}`}
              aria-valuenow={Math.round(share(panes[i - 1]!.id) * 100)}
              onPointerDown={drag(i - 1)}
              onKeyDown={key(i - 1)}
            />
          )}
          <div className="ws-slot" style={{ flexGrow: share(pane.id) }}>
            <WorkspacePane
              pane={pane}
              host={hosts.get(pane.hostId)}
              theme={theme}
              visible={active}
              onClose={() => onClosePane(pane.id)}
              {...(onDrillLink ? { onDrillLink: (link) => onDrillLink(link, pane.hostId) } : {})}
            />
          </div>
        </Fragment>
      ))}
    </section>
  )
}
