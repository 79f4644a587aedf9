import { useEffect, type ReactNode } from 'react'
import { Group, Panel, Separator, useDefaultLayout, usePanelRef } from 'react-resizable-panels'

import './layout.css'
import { setLayout, useLayout } from './layout-store'

/**
 * The console's panes: the host list (resizable, collapsible), the host view, and the terminal
 * dock below it or beside it (resizable, collapsible by dragging or with the Terminals button).
 * Sizes persist per arrangement in localStorage (react-resizable-panels).
 */
export function Workspace({
  side,
  main,
  dock,
  dockVisible,
}: {
  side: ReactNode
  main: ReactNode
  /**
   * The terminal dock. It stays mounted while hidden (its panel collapsed) so its streams keep
   * running whichever host is shown (issue 18).
   */
  dock: ReactNode
  dockVisible: boolean
}) {
  const layout = useLayout()
  const hosts = usePanelRef()
  const outer = useDefaultLayout({ id: 'replab-shell', storage: localStorage })
  useEffect(() => {
    const p = hosts.current
    if (!p) return
    if (layout.hostsCollapsed && !p.isCollapsed()) p.collapse()
    if (!layout.hostsCollapsed && p.isCollapsed()) p.expand()
  }, [layout.hostsCollapsed, hosts])
  return (
    <Group orientation="horizontal" className="shell" {...outer}>
      <Panel
        id="hosts"
        panelRef={hosts}
        className="pane"
        collapsible
        collapsedSize={0}
        minSize={180}
        maxSize={560}
        defaultSize={250}
        groupResizeBehavior="preserve-pixel-size"
        onResize={(size) => {
          const collapsed = size.inPixels < 1
          if (collapsed !== layout.hostsCollapsed) setLayout({ hostsCollapsed: collapsed })
        }}
      >
        {side}
      </Panel>
      <Separator className="splitter" aria-label="Resize hosts" />
      <Panel id="work" className="pane" minSize={420}>
        <WorkArea main={main} dock={dock} visible={dockVisible} position={layout.dockPosition} />
      </Panel>
    </Group>
  )
}

function WorkArea({
  main,
  dock,
  visible,
  position,
}: {
  main: ReactNode
  dock: ReactNode
  visible: boolean
  position: 'bottom' | 'right'
}) {
  const saved = useDefaultLayout({ id: `replab-work-${position}`, storage: localStorage })
  const panel = usePanelRef()
  const defaultSize = position === 'bottom' ? '38%' : '36%'
  useEffect(() => {
    const p = panel.current
    if (!p) return
    if (!visible && !p.isCollapsed()) p.collapse()
    if (visible && p.isCollapsed()) {
      p.expand()
      // A layout saved while collapsed has no size to go back to: expand() then stops at
      // minSize (one terminal row); give the dock its default share instead.
      if (p.getSize().inPixels < 200) p.resize(defaultSize)
    }
  }, [visible, panel, defaultSize])
  return (
    <Group
      key={position}
      orientation={position === 'bottom' ? 'vertical' : 'horizontal'}
      className="shell"
      {...saved}
    >
      <Panel id="main" className="pane" minSize={160}>
        {main}
      </Panel>
      <Separator className="splitter" aria-label="Resize terminals" disabled={!visible} />
      <Panel
        id="dock"
        panelRef={panel}
        className="pane"
        collapsible
        collapsedSize={0}
        minSize={120}
        defaultSize={defaultSize}
      >
        {dock}
      </Panel>
    </Group>
  )
}

/** Top-bar buttons: collapse/expand the host list, move the dock below or beside. */
export function LayoutButtons() {
  const layout = useLayout()
  return (
    <>
      <button
        type="button"
        aria-pressed={!layout.hostsCollapsed}
        onClick={() => setLayout({ hostsCollapsed: !layout.hostsCollapsed })}
      >
        {layout.hostsCollapsed ? 'Show hosts' : 'Hide hosts'}
      </button>
      <button
        type="button"
        title="Where the terminal dock sits"
        onClick={() =>
          setLayout({ dockPosition: layout.dockPosition === 'bottom' ? 'right' : 'bottom' })
        }
      >
        {layout.dockPosition === 'bottom' ? 'Terminals beside' : 'Terminals below'}
      </button>
    </>
  )
}
