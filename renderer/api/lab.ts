import type { LabApi } from '../../contract/api'

let current: LabApi | null = null

/** Installs the `LabApi` every query and mutation uses (once at start-up; tests install fakes). */
export function installLab(api: LabApi): void {
  current = api
}

/** The installed `LabApi`. Throws an `Error` when `installLab` has not run (a start-up bug). */
export function lab(): LabApi {
  if (!current) throw new Error('LabApi not installed: call installLab() before rendering')
  return current
}
