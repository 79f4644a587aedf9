import { PassThrough } from 'node:stream'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { HostSnapshot } from '../../../contract/snapshot'
import { discover } from '../../../main/host/discover'
import { diffSnapshots } from '../../../main/host/diff'
import type { CommandRunner } from '../../../main/host/ports'
import { startHostWatcher, type HostWatcher } from '../../../main/host/watcher'
import { poll } from '../../helpers/poll'
import { requireSystemDeps } from '../../helpers/system-deps'
import { createFakeHost, fakeRunner, type FakeHost } from './fake-host'
import { mlx5Spec } from './fake-specs'

const PF0 = '0000:08:00.0'
const SHELL = ['/usr/bin/dash']
beforeAll(() => requireSystemDeps(['dash']))

/** The fake runner plus controllable monitor streams. */
function streamingRunner(host: FakeHost, opts: { failStreams?: boolean } = {}) {
  const base = fakeRunner(host, SHELL)
  const streams = new Map<string, PassThrough>()
  const runner: CommandRunner & { calls: string[] } = {
    target: base.target,
    calls: base.calls,
    exec: (c, o) => base.exec(c, o),
    stream(command, o) {
      if (opts.failStreams === true) throw new Error('channel open failed')
      const s = new PassThrough()
      o.signal.addEventListener('abort', () => s.destroy(), { once: true })
      streams.set(command, s)
      return s
    },
  }
  return { runner, streams }
}

const EXTRA_VF_PORT = `{"command":"new","port":{"pci/${PF0}/3":{"type":"eth","netdev":"enp8s0f0npf0vf2","flavour":"pcivf","pfnum":0,"vfnum":2}}}`

async function addVfPort(host: FakeHost): Promise<void> {
  const ports = JSON.parse(mlx5Spec().commands['devlink -j port show']?.out ?? '{}') as {
    port: Record<string, unknown>
  }
  ports.port[`pci/${PF0}/3`] = {
    ...{ type: 'eth', netdev: 'enp8s0f0npf0vf2', flavour: 'pcivf', controller: 0 },
    ...{ pfnum: 0, vfnum: 2, external: false, splittable: false },
  }
  await host.setCommand('devlink -j port show', `${JSON.stringify(ports)}\n`)
}

const hasVf2Port = (s: HostSnapshot): boolean =>
  s.devices.some((d) => d.ports.some((p) => p.netdev === 'enp8s0f0npf0vf2'))

let host: FakeHost
let watcher: HostWatcher | null = null
beforeAll(async () => {
  host = await createFakeHost(mlx5Spec())
})
afterEach(async () => {
  watcher?.close()
  watcher = null
  await host.dispose()
  host = await createFakeHost(mlx5Spec())
})
afterAll(() => host.dispose())

describe('diff and the live watcher on the fake mlx5 host', () => {
  it('diffSnapshots names added ports, mode flips, VF counts and reporter counters', async () => {
    const runner = fakeRunner(host, SHELL)
    const opts = { hostName: 'lab1', timeoutMs: 5000, root: host.root }
    const a = await discover(runner, opts)
    expect(diffSnapshots(a, a).changes).toEqual([])
    await addVfPort(host)
    await host.setCommand(
      `devlink -j dev eswitch show pci/0000:08:00.1`,
      '{"dev":{"pci/0000:08:00.1":{"mode":"switchdev"}}}\n',
    )
    await host.write(`sys/bus/pci/devices/${PF0}/sriov_numvfs`, '3\n')
    const health = mlx5Spec().commands['devlink -j health show']?.out ?? ''
    await host.setCommand(
      'devlink -j health show',
      health.replace('"error":1,"recover":1', '"error":2,"recover":1'),
    )
    const b = await discover(runner, opts)
    const changes = diffSnapshots(a, b).changes
    expect(changes).toContainEqual(
      expect.objectContaining({ kind: 'added', entity: 'port', key: `pci/${PF0}/3` }),
    )
    expect(changes).toContainEqual({
      kind: 'changed',
      entity: 'eswitch',
      key: 'pci/0000:08:00.1',
      field: 'mode',
      before: 'legacy',
      after: 'switchdev',
    })
    expect(changes).toContainEqual(
      expect.objectContaining({
        entity: 'device',
        key: `pci/${PF0}`,
        field: 'numvfs',
        before: 2,
        after: 3,
      }),
    )
    expect(changes).toContainEqual(
      expect.objectContaining({
        entity: 'reporter',
        key: `pci/${PF0}/fw_fatal`,
        field: 'error',
        before: 1,
        after: 2,
      }),
    )
    expect(changes).toContainEqual(
      expect.objectContaining({
        kind: 'changed',
        entity: 'eswitch',
        field: 'inlineMode',
        before: 'none',
      }),
    )
  })
})

describe('diff and the live watcher on the fake mlx5 host (2)', () => {
  it('a devlink monitor event triggers a refresh that reaches subscribers and waitFor', async () => {
    const { runner, streams } = streamingRunner(host)
    watcher = await startHostWatcher(runner, { hostName: 'lab1', timeoutMs: 5000, root: host.root })
    expect(hasVf2Port(watcher.current())).toBe(false)
    expect(runner.calls).toHaveLength(1)
    const seen: string[] = []
    watcher.onChange((_s, diff) =>
      seen.push(...diff.changes.map((c) => `${c.kind} ${c.entity} ${c.key}`)),
    )
    const waiting = watcher.waitFor(hasVf2Port, { timeoutMs: 5000 })
    await addVfPort(host)
    const started = performance.now()
    // Chunked in the middle of the element, like a real pipe.
    streams.get('devlink -j monitor')?.write(`{"mon":[${EXTRA_VF_PORT.slice(0, 20)}`)
    streams.get('devlink -j monitor')?.write(EXTRA_VF_PORT.slice(20))
    const snap = await waiting
    const latency = performance.now() - started
    expect(hasVf2Port(snap)).toBe(true)
    expect(seen).toContain(`added port pci/${PF0}/3`)
    expect(latency).toBeLessThan(2000)
    // Targeted: the refresh did not re-read uname / os-release.
    expect(runner.calls.at(-1)).not.toContain('uname -r')
  })

  it('a verifying read run by the caller lands like a refresh, and event reads wait for it', async () => {
    const { runner, streams } = streamingRunner(host)
    const events: unknown[] = []
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      onEvent: (e) => events.push(e),
    })
    const seen: string[] = []
    watcher.onChange((_s, diff) => seen.push(...diff.changes.map((c) => `${c.kind} ${c.key}`)))
    const prepared = watcher.prepareRead(['devlink'])
    if (!prepared) throw new Error('no prepared read')
    // The command's effect and its event come while the caller's exec (command + read) runs.
    await addVfPort(host)
    streams.get('devlink -j monitor')?.write(`{"mon":[${EXTRA_VF_PORT}`)
    await poll(async () => events.length > 0, { timeoutMs: 2000, what: 'the decoded event' })
    const from = runner.calls.length
    const r = await runner.exec(prepared.read.script, {
      timeoutMs: 5000,
      stdin: prepared.read.stdin,
    })
    // Held: no refresh of the watcher's own ran beside the caller's read.
    expect(runner.calls.length).toBe(from + 1)
    expect(seen).toEqual([])
    const snap = prepared.land(r.stdout, r.durationMs)
    expect(hasVf2Port(snap)).toBe(true)
    expect(hasVf2Port(watcher.current())).toBe(true)
    expect(seen).toContain(`added pci/${PF0}/3`)
    // Landing released the event's refresh: it runs now, not at the end of a grace.
    await poll(async () => runner.calls.length > from + 1, {
      timeoutMs: 400,
      what: 'the held refresh',
    })
  })

  it('events arriving during a refresh are coalesced, not lost', async () => {
    const { runner, streams } = streamingRunner(host)
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      debounceMs: 5,
    })
    const mon = streams.get('devlink -j monitor')
    mon?.write('{"mon":[')
    for (let i = 0; i < 20; i++) mon?.write(`${i === 0 ? '' : ','}${EXTRA_VF_PORT}`)
    await addVfPort(host)
    mon?.write(`,${EXTRA_VF_PORT}`)
    await watcher.waitFor(hasVf2Port, { timeoutMs: 5000 })
    expect(runner.calls.length).toBeLessThan(6)
  })

  it('falls back to polling when streams cannot open; waitFor times out and aborts with typed errors', async () => {
    const { runner } = streamingRunner(host, { failStreams: true })
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      pollMinMs: 20,
    })
    expect(watcher.monitorState()).toEqual({ devlink: false, ip: false })
    await addVfPort(host)
    const snap = await watcher.waitFor(hasVf2Port, { timeoutMs: 5000 })
    expect(hasVf2Port(snap)).toBe(true)
    await expect(watcher.waitFor(() => false, { timeoutMs: 30 })).rejects.toMatchObject({
      code: 'timeout',
    })
    const ac = new AbortController()
    const aborted = watcher.waitFor(() => false, { timeoutMs: 5000, signal: ac.signal })
    ac.abort()
    await expect(aborted).rejects.toMatchObject({ code: 'aborted' })
    const pending = watcher.waitFor(() => false, { timeoutMs: 5000 })
    watcher.close()
    await expect(pending).rejects.toMatchObject({ code: 'aborted' })
  })
})

describe('diff and the live watcher on the fake mlx5 host (3)', () => {
  it('a monitor stream that ends switches to polling, and refresh({fresh}) re-reads everything', async () => {
    const { runner, streams } = streamingRunner(host)
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      pollMinMs: 20,
    })
    streams.get('devlink -j monitor')?.end()
    await addVfPort(host)
    await watcher.waitFor(hasVf2Port, { timeoutMs: 5000 })
    const fresh = await watcher.refresh({ fresh: true })
    expect(runner.calls.at(-1)).toContain('uname -r')
    expect(fresh.stats?.roundTrips).toBe(1)
  })
})

describe('overlapping refreshes', () => {
  it('an older slow refresh landing late never overwrites what a newer urgent one delivered', async () => {
    const { runner, streams } = streamingRunner(host)
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => (release = r))
    let held = 0
    let landed = false
    const exec = runner.exec
    runner.exec = async (command, o) => {
      const result = await exec(command, o)
      // Hold the first sysfs-walk refresh after start-up: it read the host before the change.
      if (runner.calls.length > 1 && command.includes(':pcidev:') && held++ === 0) {
        await gate
        setTimeout(() => (landed = true), 0)
      }
      return result
    }
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      debounceMs: 1,
    })
    const mode = (s: HostSnapshot) =>
      s.devices.find((d) => d.handle === 'pci/0000:08:00.1')?.eswitch?.mode
    const ip = streams.get('ip -j monitor link')
    ip?.write('{"ifindex":5,"ifname":"enp8s0f1np1"}\n')
    await poll(() => held === 1, { what: 'the first sysfs-walk refresh held' })
    await host.setCommand(
      'devlink -j dev eswitch show pci/0000:08:00.1',
      '{"dev":{"pci/0000:08:00.1":{"mode":"switchdev"}}}\n',
    )
    ip?.write('{"ifindex":5,"ifname":"enp8s0f1np1"}\n')
    await watcher.waitFor((s) => mode(s) === 'switchdev', { timeoutMs: 5000 })
    const modes: (string | undefined)[] = []
    watcher.onChange((s) => modes.push(mode(s)))
    release()
    await poll(() => landed, { what: 'the held refresh landing late' })
    expect(mode(watcher.current())).toBe('switchdev')
    expect(modes).not.toContain('legacy')
  })
})

describe('what a real iproute2 6.1 prints, and targeted reads', () => {
  it('a text-form link event (iproute2 6.1 prints text even with -j) triggers a refresh', async () => {
    const { runner, streams } = streamingRunner(host)
    const seen: string[] = []
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      onEvent: (e) => seen.push(`${e.source} ${e.command ?? ''} ${e.keys.join(',')}`),
    })
    const waiting = watcher.waitFor(
      (s) => s.devices.find((d) => d.pci?.bdf === PF0)?.pci?.numvfs === 3,
      { timeoutMs: 5000 },
    )
    await host.write(`sys/bus/pci/devices/${PF0}/sriov_numvfs`, '3\n')
    const ip = streams.get('ip -j monitor link')
    ip?.write(
      '9: enp8s0f0v2: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default \n',
    )
    ip?.write('    link/ether 52:54:00:aa:bb:cc brd ff:ff:ff:ff:ff:ff\n')
    await waiting
    expect(seen).toEqual(['ip new enp8s0f0v2'])
    expect(watcher.monitorState()).toEqual({ devlink: true, ip: true })
    // The urgent stage read the known SR-IOV functions by path, without walking sysfs.
    const fast = runner.calls.find((c, i) => i > 0 && c.includes(':pcidev:'))
    expect(fast).toContain(`/sys/bus/pci/devices/${PF0} `)
    expect(fast).not.toContain('/sys/bus/pci/devices/*;')
  })

  it('a monitor whose output decodes to nothing is cut, marked, and the host is polled', async () => {
    const { runner, streams } = streamingRunner(host)
    const unknown: string[] = []
    watcher = await startHostWatcher(runner, {
      hostName: 'lab1',
      timeoutMs: 5000,
      root: host.root,
      pollMinMs: 20,
      onMonitorUnknown: (kind, text) => unknown.push(`${kind}: ${text}`),
    })
    streams.get('ip -j monitor link')?.write('Unexpected banner of a future iproute2\n')
    await poll(() => unknown.length === 1, { what: 'the undecodable stream reported' })
    expect(unknown).toEqual(['ip: Unexpected banner of a future iproute2'])
    const marked = await watcher.waitFor(
      (s) => (s.errors ?? []).some((e) => e.command === 'ip -j monitor link'),
      { timeoutMs: 5000 },
    )
    expect(marked.errors?.find((e) => e.command === 'ip -j monitor link')?.message).toMatch(
      /not a monitor event replab can decode/,
    )
    await addVfPort(host)
    await watcher.waitFor(hasVf2Port, { timeoutMs: 5000 })
  })

  it('refresh({parts}) reads only those parts, known devices by path, after the call', async () => {
    const { runner } = streamingRunner(host)
    watcher = await startHostWatcher(runner, { hostName: 'lab1', timeoutMs: 5000, root: host.root })
    await host.write(`sys/bus/pci/devices/${PF0}/sriov_numvfs`, '3\n')
    const snap = await watcher.refresh({ parts: ['pci'] })
    expect(snap.devices.find((d) => d.pci?.bdf === PF0)?.pci?.numvfs).toBe(3)
    const read = runner.calls.at(-1) ?? ''
    expect(read).toContain(':pcidev:')
    expect(read).not.toContain('uname -r')
    expect(read).not.toContain('devlink -j port show')
    expect(read).not.toContain('/sys/bus/pci/devices/*;')
    // No event asked for a walk: nothing else is read afterwards.
    expect(runner.calls).toHaveLength(2)
  })
})
