import { useQuery } from '@tanstack/react-query'

import type { HostView } from '../../../contract/hosts'
import { snapshotOptions } from '../../api/keys'

import { fleetLines } from './fleet'

/**
 * The fleet overview line of one host in the list: cards, PFs with E-Switch mode and VF count,
 * unhealthy reporters (in the alert colour), from the host's live snapshot. Hosts that are not
 * connected show nothing; a snapshot kept from before a drop is marked stale.
 */
export function FleetSummary({ host }: { host: HostView }) {
  const ready = host.connection.state === 'ready'
  const snap = useQuery(snapshotOptions(host.config.id, ready))
  if (!snap.data) return null
  const lines = fleetLines(snap.data)
  return (
    <ul
      className={`fleet ${ready ? '' : 'fleet-stale'}`}
      aria-label={`Fleet summary of ${host.config.id}`}
      title={ready ? undefined : 'stale: the host is not connected'}
    >
      {lines.map((l, i) => (
        <li key={i} className={`fleet-${l.kind}`}>
          {l.kind === 'unhealthy' ? `⚠ ${l.text}` : l.text}
        </li>
      ))}
    </ul>
  )
}
