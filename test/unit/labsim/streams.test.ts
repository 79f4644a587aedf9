import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { channelSink } from '../../../labsim/server/channel-io'
import { poll } from '../../helpers/poll'
import { testHost } from './sim'

const PF0 = '/sys/bus/pci/devices/0000:08:00.0'

describe('streams: devlink monitor, dmesg -w, aux devices (docs/domain.md §1.6, §3.4, fixture 70)', () => {
  it('devlink -j monitor prints one growing {"mon":[…] array with port new/del events', async () => {
    const h = testHost()
    await h.run(`echo 1 > ${PF0}/sriov_numvfs`)
    const mon = h.start('devlink -j monitor port')
    await h.run(
      'devlink dev eswitch set pci/0000:08:00.0 mode switchdev && devlink dev eswitch set pci/0000:08:00.0 mode legacy',
    )
    const out = (await mon.stop()).stdout
    expect(
      out.startsWith(
        '{"mon":[{"command":"new","port":{"pci/0000:08:00.0/1":{"type":"notset","flavour":"pcivf"',
      ),
    ).toBe(true)
    const events = JSON.parse(`${out}]}`).mon as {
      command: string
      port: Record<string, { type: string }>
    }[]
    expect(events.map((e) => `${e.command}:${Object.values(e.port)[0]!.type}`)).toEqual([
      'new:notset',
      'new:eth',
      'new:notset',
      'del:notset',
    ])
  })

  it('dmesg -w prints the ring with timestamps, then follows new lines', async () => {
    const h = testHost()
    const follow = h.start('dmesg -w')
    await poll(() => follow.output().includes('Linux version'), {
      what: 'the boot log from dmesg -w',
    })
    await h.run(`echo 1 > ${PF0}/sriov_numvfs`)
    await poll(() => follow.output().includes('E-Switch: Enable: mode(LEGACY), nvfs(1)'), {
      what: 'the E-Switch enable line followed live',
    })
    const out = (await follow.stop()).stdout
    expect(
      out
        .split('\n')
        .filter(Boolean)
        .every((l) => /^\[ {0,4}\d+\.\d{6}\] /.test(l)),
    ).toBe(true)
  })

  it('aux devices swap from eth/rdma to eth-rep/rdma-rep with the mode', async () => {
    const h = testHost()
    expect((await h.run(`ls -d ${PF0}/mlx5_core.*`)).stdout).toBe(
      `${PF0}/mlx5_core.eth.0\n${PF0}/mlx5_core.rdma.0\n`,
    )
    await h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    expect((await h.run(`ls ${PF0} | grep mlx5_core`)).stdout).toBe(
      'mlx5_core.eth-rep.0\nmlx5_core.rdma-rep.0\n',
    )
  })
})

describe('faults and timing (issue 3 "Timing and faults")', () => {
  it('hang blocks matching commands until killed; slow stretches modelled durations', async () => {
    const h = testHost('fixed', undefined, 0.01)
    await h.run("echo 'hang devlink dev reload' > /sys/kernel/debug/labsim/inject")
    expect(
      (await h.run('timeout 0.05 devlink dev reload pci/0000:08:00.0; echo rc=$?')).stdout,
    ).toBe('rc=124\n')
    await h.run('echo hang > /sys/kernel/debug/labsim/inject')
    const t0 = performance.now()
    await h.run('devlink dev eswitch set pci/0000:08:00.0 mode switchdev')
    const normal = performance.now() - t0
    expect(normal).toBeGreaterThanOrEqual(0.01 * (500 + 300 + 300) - 1)
    await h.run("echo 'slow 5' > /sys/kernel/debug/labsim/inject")
    const t1 = performance.now()
    await h.run('devlink dev eswitch set pci/0000:08:00.0 mode legacy')
    expect(performance.now() - t1).toBeGreaterThanOrEqual(5 * 0.01 * (500 + 300) - 1)
  })
})

describe('backpressure (issue 3 "Shell and serving")', () => {
  it('a channel write waits for drain when the stream buffer is full', async () => {
    let pending: (() => void) | undefined
    const slow = new Writable({
      highWaterMark: 4,
      write: (_chunk, _enc, cb) => {
        pending = cb
      },
    })
    const sink = channelSink(slow)
    let drained = false
    const p = sink.write('first-chunk-larger-than-the-buffer').then(() => (drained = true))
    await new Promise((r) => setImmediate(r))
    expect(drained).toBe(false)
    pending?.()
    await p
    expect(drained).toBe(true)
  })
})
