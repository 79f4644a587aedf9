import { describe, expect, it } from 'vitest'

import { DisposableStore } from '../../../renderer/features/terminals/disposable-store'
import {
  focusKey,
  tabMovesFocus,
  toggleTabMovesFocus,
} from '../../../renderer/features/terminals/focus-mode'
import { matchText } from '../../../renderer/features/terminals/search-count'
import {
  EMPTY_WORKSPACE,
  paneName,
  tabLabel,
  workspaceReducer,
  type WorkspaceAction,
  type WorkspaceState,
} from '../../../renderer/features/terminals/workspace-model'

const run = (...actions: WorkspaceAction[]): WorkspaceState =>
  actions.reduce(workspaceReducer, EMPTY_WORKSPACE)

const labels = (s: WorkspaceState): string[] => s.tabs.map((t) => tabLabel(s, t))
const active = (s: WorkspaceState): string | undefined =>
  labels(s)[s.tabs.findIndex((t) => t.id === s.active)]

describe('terminal workspace model', () => {
  it('opens the firmware trace of a connected host the first time it is selected, once', () => {
    let s = run({ type: 'host-selected', hostId: 'sim-a', ready: false })
    expect(s.tabs).toEqual([])
    s = workspaceReducer(s, { type: 'host-selected', hostId: 'sim-a', ready: true })
    expect(labels(s)).toEqual(['sim-a Firmware trace'])
    s = workspaceReducer(s, { type: 'close-tab', tabId: s.tabs[0]!.id })
    s = workspaceReducer(s, { type: 'host-selected', hostId: 'sim-a', ready: true })
    expect(s.tabs).toEqual([])
  })

  it('numbers panes of one kind per host, reusing the lowest free number', () => {
    let s = run(
      { type: 'open', hostId: 'sim-a', kind: 'shell' },
      { type: 'open', hostId: 'sim-a', kind: 'shell' },
      { type: 'open', hostId: 'sim-b', kind: 'shell' },
      { type: 'open', hostId: 'sim-a', kind: 'shell' },
    )
    expect(labels(s)).toEqual(['sim-a Shell', 'sim-a Shell 2', 'sim-b Shell', 'sim-a Shell 3'])
    s = workspaceReducer(s, { type: 'close-tab', tabId: s.tabs[1]!.id })
    s = workspaceReducer(s, { type: 'open', hostId: 'sim-a', kind: 'shell' })
    expect(labels(s).at(-1)).toBe('sim-a Shell 2')
    expect(paneName(Object.values(s.panes)[0]!, 'lab one')).toBe('lab one Shell')
  })

  it('splits a tab across hosts and closes panes down to the last, then the tab', () => {
    let s = run(
      { type: 'open', hostId: 'sim-a', kind: 'trace' },
      { type: 'open', hostId: 'sim-a', kind: 'shell' },
    )
    const trace = s.tabs[0]!.id
    s = workspaceReducer(s, { type: 'split', tabId: trace, hostId: 'sim-a', kind: 'dmesg' })
    s = workspaceReducer(s, { type: 'split', tabId: trace, hostId: 'sim-b', kind: 'dmesg' })
    expect(active(s)).toBe('sim-a Firmware trace | sim-a dmesg | sim-b dmesg')
    const [, dmesgA, dmesgB] = s.tabs[0]!.panes
    s = workspaceReducer(s, { type: 'close-pane', paneId: dmesgA! })
    expect(active(s)).toBe('sim-a Firmware trace | sim-b dmesg')
    s = workspaceReducer(s, { type: 'close-pane', paneId: s.tabs[0]!.panes[0]! })
    s = workspaceReducer(s, { type: 'close-pane', paneId: dmesgB! })
    // The emptied tab is gone; its neighbour is shown; its panes are forgotten.
    expect(labels(s)).toEqual(['sim-a Shell'])
    expect(active(s)).toBe('sim-a Shell')
    expect(Object.keys(s.panes)).toHaveLength(1)
  })

  it('selecting a host shows its last tab and keeps every other tab (and stream) open', () => {
    let s = run(
      { type: 'host-selected', hostId: 'sim-a', ready: true },
      { type: 'open', hostId: 'sim-a', kind: 'dmesg' },
      { type: 'host-selected', hostId: 'sim-b', ready: true },
    )
    expect(active(s)).toBe('sim-b Firmware trace')
    s = workspaceReducer(s, { type: 'host-selected', hostId: 'sim-a', ready: true })
    expect(active(s)).toBe('sim-a dmesg')
    expect(labels(s)).toEqual(['sim-a Firmware trace', 'sim-a dmesg', 'sim-b Firmware trace'])
    // A tab showing the selected host (a split with it) stays on screen.
    s = workspaceReducer(s, { type: 'split', tabId: s.tabs[2]!.id, hostId: 'sim-a', kind: 'shell' })
    s = workspaceReducer(s, { type: 'host-selected', hostId: 'sim-a', ready: true })
    expect(active(s)).toBe('sim-b Firmware trace | sim-a Shell')
  })

  it('ignores unknown ids and keeps no active tab when the last closes', () => {
    let s = run({ type: 'open', hostId: 'sim-a', kind: 'logs' })
    expect(workspaceReducer(s, { type: 'activate', tabId: 'nope' })).toBe(s)
    expect(workspaceReducer(s, { type: 'close-pane', paneId: 'nope' })).toBe(s)
    s = workspaceReducer(s, { type: 'close-tab', tabId: s.tabs[0]!.id })
    expect(s).toMatchObject({ tabs: [], active: null, panes: {} })
  })
})

describe('keyboard focus out of a pane', () => {
  const key = (k: string, mods: Partial<KeyboardEventInit> = {}) =>
    ({
      key: k,
      ctrlKey: false,
      altKey: false,
      metaKey: false,
      shiftKey: false,
      ...mods,
    }) as KeyboardEvent

  it('Tab leaves a read-only pane always, a shell only with Tab-moves-focus on (Ctrl+M)', () => {
    expect(tabMovesFocus()).toBe(false)
    expect(focusKey(key('Tab'), true)).toBe('leave')
    expect(focusKey(key('Tab', { shiftKey: true }), true)).toBe('leave')
    expect(focusKey(key('Tab'), false)).toBe('terminal')
    expect(focusKey(key('m', { ctrlKey: true }), false)).toBe('toggle')
    expect(focusKey(key('M', { ctrlKey: true }), true)).toBe('toggle')
    toggleTabMovesFocus()
    expect(focusKey(key('Tab'), false)).toBe('leave')
    expect(focusKey(key('Tab', { shiftKey: true }), false)).toBe('leave')
    toggleTabMovesFocus()
    expect(focusKey(key('Tab'), false)).toBe('terminal')
    // Other keys are the terminal's: Ctrl+Tab, Alt+M, Ctrl+Shift+M, plain m.
    for (const k of [
      key('Tab', { ctrlKey: true }),
      key('m', { altKey: true }),
      key('M', { ctrlKey: true, shiftKey: true }),
      key('m'),
    ])
      expect(focusKey(k, false)).toBe('terminal')
  })
})

describe('search match count', () => {
  it('reads as the toolbar shows it', () => {
    expect(matchText(null)).toBe('')
    expect(matchText({ resultIndex: -1, resultCount: 0 })).toBe('No matches')
    expect(matchText({ resultIndex: 2, resultCount: 37 })).toBe('3 of 37')
    expect(matchText({ resultIndex: 0, resultCount: 1000 })).toBe('1 of 1000+')
    expect(matchText({ resultIndex: -1, resultCount: 1000 })).toBe('1000+ matches')
  })
})

describe('DisposableStore', () => {
  it('disposes in reverse order once, survives a throwing item, disposes late additions', () => {
    const order: string[] = []
    const store = new DisposableStore()
    store.defer(() => order.push('a'))
    store.add({
      dispose: () => {
        order.push('b')
        throw new Error('b failed')
      },
    })
    store.defer(() => order.push('c'))
    expect(() => store.dispose()).toThrow('b failed')
    expect(order).toEqual(['c', 'b', 'a'])
    store.dispose()
    expect(order).toEqual(['c', 'b', 'a'])
    store.defer(() => order.push('late'))
    expect(order.at(-1)).toBe('late')
    expect(store.isDisposed).toBe(true)
  })
})
