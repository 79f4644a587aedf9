import { useMutation, useQueryClient } from '@tanstack/react-query'

import type { HostConfigInput } from '../../contract/hosts'

import { keys } from './keys'
import { lab } from './lab'
import { call } from './unwrap'

/** Host management mutations (contract/host-admin.ts); the inventory refetches after each. */

/** Saves an edited entry (`hosts:update`); the id never changes. */
export function useUpdateHost() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (v: { hostId: string; config: HostConfigInput }) => call(lab().hosts.update(v)),
    onSettled: () => qc.invalidateQueries({ queryKey: keys.hosts() }),
  })
}

/**
 * Duplicates an entry (`hosts:duplicate`: the copy keeps read-only and simulated as the
 * original) and then saves the editor's fields onto the copy (`hosts:update`).
 */
export function useDuplicateHost() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async (v: { hostId: string; config: HostConfigInput }) => {
      const copy = await call(
        lab().hosts.duplicate({ hostId: v.hostId, newId: v.config.id, name: v.config.name }),
      )
      return call(
        lab().hosts.update({ hostId: copy.config.id, config: { ...copy.config, ...v.config } }),
      )
    },
    onSettled: () => qc.invalidateQueries({ queryKey: keys.hosts() }),
  })
}

/** Lists the hosts of an ssh_config the user picked in the browser (its text). */
export function useImportSshConfigText() {
  return useMutation({
    mutationFn: (v: { text: string; name?: string }) => call(lab().hosts.importSshConfigText(v)),
  })
}
