import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterAll, beforeAll } from 'vitest'

import { startLab, type Lab, type LabOptions } from '../../labsim'
import { createFsJournalStore } from '../../main/store/journal-store'
import { createEngine, type Engine } from '../../main/engine'
import type { AuditStore } from '../../main/engine/ports'
import { startHostWatcher, type HostWatcher } from '../../main/host/watcher'
import { watcherSource } from '../../main/service/snapshot-source'
import { connectHost, resolveTarget, type SshConnection } from '../../main/ssh'

/** One console (engine + watcher + SSH control connection) on one labsim host. */
export interface LabConsole {
  readonly engine: Engine
  readonly conn: SshConnection
  readonly watcher: HostWatcher
  close(): void
}

/** A labsim lab with a data directory and a way to open consoles on its hosts. */
export interface LabRig {
  readonly lab: Lab
  readonly dataDir: string
  /** A console on `hostName`; with `audit`, the engine appends its audit entries there. */
  console(
    hostName?: string,
    identity?: { user: string; host: string },
    audit?: AuditStore,
  ): Promise<LabConsole>
  stop(): Promise<void>
}

/** Connects over real SSH with the host key pinned to labsim's announced fingerprint. */
export async function connectSim(
  lab: Lab,
  name: string,
  knownHosts: string,
): Promise<SshConnection> {
  const h = lab.hosts.find((x) => x.name === name)!
  const target = await resolveTarget(`root@127.0.0.1:${h.port}`, {
    configFile: null,
    identityFile: h.identityFile,
  })
  return connectHost(target, {
    knownHosts: { file: knownHosts, userFile: null },
    hostKeyPolicy: async (q) => (q.fingerprint === h.hostKeyFingerprint ? 'trust' : 'reject'),
    reconnect: { baseMs: 100, maxMs: 1000 },
  })
}

/** Starts labsim in-process and returns a rig; `stop()` closes every console and the lab. */
export async function startRig(options: LabOptions): Promise<LabRig> {
  const lab = await startLab(options)
  const dataDir = await mkdtemp(join(tmpdir(), 'replab-rig-'))
  const consoles: LabConsole[] = []
  return {
    lab,
    dataDir,
    async console(
      hostName = lab.hosts[0]!.name,
      identity = { user: 'tester', host: 'console-a' },
      audit?: AuditStore,
    ) {
      const conn = await connectSim(lab, hostName, join(dataDir, `known_hosts-${consoles.length}`))
      const watcher = await startHostWatcher(conn, { hostName, timeoutMs: 30_000 })
      const source = watcherSource(watcher)
      const engine = createEngine({
        runnerFor: () => conn,
        snapshotSourceFor: () => source,
        journal: createFsJournalStore(dataDir),
        consoleIdentity: identity,
        ...(audit ? { audit } : {}),
      })
      const c: LabConsole = {
        engine,
        conn,
        watcher,
        close: () => {
          watcher.close()
          conn.close()
        },
      }
      consoles.push(c)
      return c
    },
    async stop() {
      for (const c of consoles) c.close()
      await lab.stop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

/** The rig and its one console of a `useLabConsole` suite; read them inside tests and hooks. */
export interface LabSuite {
  readonly rig: LabRig
  /** The console on the lab's first host. */
  readonly c: LabConsole
}

/**
 * Registers hooks on the enclosing `describe`: beforeAll starts a rig with `options` and opens
 * one console on its first host; afterAll stops the rig (and so the console). The returned
 * fields throw if read before beforeAll has set them (e.g. at collection time).
 */
export function useLabConsole(options: LabOptions): LabSuite {
  let rig: LabRig | undefined
  let c: LabConsole | undefined
  beforeAll(async () => {
    rig = await startRig(options)
    c = await rig.console()
  })
  afterAll(async () => rig?.stop())
  const set = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`useLabConsole: ${what} read before beforeAll set it`)
    return v
  }
  return {
    get rig() {
      return set('rig', rig)
    },
    get c() {
      return set('console', c)
    },
  }
}
