import { queryOptions } from '@tanstack/react-query'

import { keys } from './keys'
import { lab } from './lab'
import { call } from './unwrap'

/** The host's session logs, newest first (`logs:list`); refetched when the list is shown. */
export function sessionLogsOptions(hostId: string) {
  return queryOptions({
    queryKey: keys.sessionLogs(hostId),
    queryFn: () => call(lab().logs.list({ hostId })),
    staleTime: 0,
  })
}

/**
 * A window of one log (`logs:read`): from byte `offset`, or the tail when `offset` is null.
 * A finished log does not change, a live one grows: the window is refetched when reopened.
 */
export function sessionLogOptions(hostId: string, name: string, offset: number | null) {
  return queryOptions({
    queryKey: keys.sessionLog(hostId, name, offset),
    queryFn: () => call(lab().logs.read({ hostId, name, ...(offset === null ? {} : { offset }) })),
    staleTime: 0,
  })
}
