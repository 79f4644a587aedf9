import { describe, expect, it } from 'vitest'

import type { HostSnapshot } from '../../../contract/snapshot'
import { diffSnapshots } from '../../../main/host/diff'

const snap = (tracer?: HostSnapshot['tracer']): HostSnapshot => ({
  takenAt: 't',
  host: { name: 'h', kernel: 'k', modules: { mlx5_core: true, mlx5_ib: true } },
  devices: [],
  rdma: [],
  ...(tracer ? { tracer } : {}),
})

describe('snapshot diffs of the firmware tracer', () => {
  it('name the tracer turning off and on, old → new (it has no devlink event of its own)', () => {
    const on = snap({ path: 'upstream', enabled: true })
    const off = snap({ path: 'upstream', enabled: false })
    expect(diffSnapshots(on, off).changes).toEqual([
      {
        kind: 'changed',
        entity: 'host',
        key: 'tracer',
        field: 'enabled',
        before: true,
        after: false,
      },
    ])
    expect(diffSnapshots(off, on).changes).toHaveLength(1)
    expect(diffSnapshots(on, on).changes).toEqual([])
    expect(diffSnapshots(snap(), on).changes.map((c) => c.field)).toEqual(['path', 'enabled'])
  })
})
