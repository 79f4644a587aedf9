import { homedir, hostname, userInfo } from 'node:os'
import { join } from 'node:path'

import { isReadOnlyOperation, labError, type HostConfig } from '../../contract'
import { AuditLog } from './audit-log'
import { Broadcaster } from './broadcast'
import { Dispatcher, type Handlers } from './dispatcher'
import { EngineBridge } from './engine-bridge'
import { EventHub } from './event-hub'
import { hostAdminHandlers } from './host-admin'
import { HostSessions } from './host-sessions'
import { Inventory } from './inventory'
import type { SimHostInfo } from './sim-hosts'
import { SessionLogs } from './session-logs'
import { importSshConfigHosts } from './ssh-import'
import { TerminalManager } from './terminals'
import { openTerminalChannel } from './terminal-channels'

/** Options of the back end. `dataDir` holds the inventory, known_hosts, journal and logs. */
export interface BackendOptions {
  readonly dataDir: string
  /** `user` for the remote advisory lock's owner line; default the local user. */
  readonly consoleUser?: string
}

/** The back end both front doors serve. `close()` disconnects every host and pane. */
export interface Backend {
  readonly dispatcher: Dispatcher
  readonly hub: EventHub
  readonly sessions: HostSessions
  /** Registers labsim's announced hosts (in memory, simulated, key pinned) and connects them. */
  addSimulatedHosts(hosts: readonly SimHostInfo[]): Promise<void>
  close(): Promise<void>
}

/** The default data directory: `$REPLAB_DATA_DIR`, else `$XDG_DATA_HOME/replab`, else `~/.local/share/replab`. */
export function defaultDataDir(): string {
  return (
    process.env.REPLAB_DATA_DIR ??
    join(process.env.XDG_DATA_HOME ?? join(homedir(), '.local/share'), 'replab')
  )
}

/** Builds the back end: inventory, SSH sessions, engine bridge, terminals and the call table. */
export async function createBackend(options: BackendOptions): Promise<Backend> {
  const hub = new EventHub()
  const inventory = new Inventory(join(options.dataDir, 'hosts.json'))
  const warning = await inventory.load()
  if (warning) console.error(`replab: ${warning}`)
  const sessions = new HostSessions(inventory, hub, options.dataDir)
  const marks: { terminals?: TerminalManager } = {}
  const engine = new EngineBridge({
    hub,
    sessions,
    inventory,
    dataDir: options.dataDir,
    consoleUser: options.consoleUser,
    onDrillStep: (hostId, { runId, device, text, finished, running }) => {
      if (text) marks.terminals?.mark(hostId, text, undefined, finished ?? undefined)
      marks.terminals?.setDrillStep(hostId, runId, running, device)
    },
    onExpectedDrop: (hostId, reason) => marks.terminals?.parkForDrop(hostId, reason),
    onDropSettled: (hostId) => void marks.terminals?.resumeAfterDrop(hostId),
  })
  const terminals = new TerminalManager(
    hub,
    join(options.dataDir, 'logs'),
    (hostId, request, signal) => {
      if (request.kind === 'shell' && inventory.get(hostId).readOnly) {
        throw labError('read-only', `${hostId} is read-only: the interactive shell is disabled`)
      }
      return openTerminalChannel(sessions, engine, hostId, request, signal)
    },
    (hostId, request) =>
      request.kind === 'trace' ? engine.rearmTracer(hostId) : Promise.resolve(null),
  )
  marks.terminals = terminals
  const broadcaster = broadcasterFor(options, { inventory, sessions, hub })
  const logs = new SessionLogs(join(options.dataDir, 'logs'))
  const dispatcher = new Dispatcher(
    handlers({
      hub,
      inventory,
      sessions,
      engine,
      terminals,
      broadcaster,
      logs,
      dataDir: options.dataDir,
    }),
  )
  return {
    dispatcher,
    hub,
    sessions,
    async addSimulatedHosts(hosts) {
      for (const h of hosts) {
        const config: HostConfig = {
          id: h.name,
          name: h.name,
          host: h.host,
          port: h.port,
          user: h.user,
          identityFile: h.identityFile,
          group: 'labsim',
          readOnly: false,
          simulated: true,
        }
        await inventory.put(config)
        sessions.pin(h.name, h.hostKeyFingerprint)
      }
      hub.emit('hostsChanged', sessions.views())
    },
    async close() {
      await broadcaster.dispose()
      await terminals.dispose()
      await engine.close()
      sessions.closeAll()
    },
  }
}

interface Parts {
  hub: EventHub
  inventory: Inventory
  sessions: HostSessions
  engine: EngineBridge
  terminals: TerminalManager
  dataDir: string
  broadcaster: Broadcaster
  logs: SessionLogs
}

/** The broadcast runner, on each host's interactive connection, audited to `audit.jsonl`. */
function broadcasterFor(
  options: BackendOptions,
  p: { inventory: Inventory; sessions: HostSessions; hub: EventHub },
): Broadcaster {
  const auditLog = new AuditLog(join(options.dataDir, 'audit.jsonl'))
  return new Broadcaster({
    config: (hostId) => p.inventory.get(hostId),
    connection: async (hostId, signal) => (await p.sessions.connect(hostId, signal)).interactive(),
    audit: (entry) => auditLog.append(entry),
    emit: (sessionId, result) => p.hub.emitTo(sessionId, 'broadcastHost', result),
    who: `${options.consoleUser ?? userInfo().username}@${hostname()}`,
  })
}

function writable(inventory: Inventory, hostId: string): void {
  if (inventory.get(hostId).readOnly)
    throw labError('read-only', `${hostId} is in read-only mode: no mutating operation runs there`)
}

function hostHandlers(parts: Parts): Handlers['hosts'] {
  const { hub, inventory, sessions, engine } = parts
  const changed = (): void => hub.emit('hostsChanged', sessions.views())
  return {
    ...hostAdminHandlers(parts),
    list: async () => sessions.views(),
    add: async (config) => {
      if (inventory.has(config.id))
        throw labError('invalid-request', `a host with id ${config.id} already exists`)
      await inventory.put(config)
      changed()
      return sessions.view(config.id)
    },
    setReadOnly: async ({ hostId, readOnly }) => {
      await inventory.put({ ...inventory.get(hostId), readOnly })
      changed()
      return sessions.view(hostId)
    },
    connect: async ({ hostId }, ctx) => {
      await sessions.connect(hostId, ctx.signal)
      void engine.watch(hostId).catch(() => {})
      return sessions.view(hostId)
    },
    disconnect: async ({ hostId }) => {
      engine.unwatch(hostId)
      sessions.disconnect(hostId)
      return sessions.view(hostId)
    },
    importSshConfig: async ({ path }) => importSshConfigHosts(path),
    answerHostKey: async ({ promptId, accept }) => {
      sessions.answerHostKey(promptId, accept)
      return { ok: true as const }
    },
  }
}

function handlers(parts: Parts): Handlers {
  const { inventory, engine, terminals, broadcaster, logs, hub } = parts
  return {
    hosts: hostHandlers(parts),
    snapshot: {
      get: async ({ hostId, fresh }, ctx) => engine.snapshot(hostId, fresh, ctx.signal),
    },
    ops: {
      plan: async ({ hostId, request }, ctx) => engine.plan(hostId, request, ctx.signal),
      run: async ({ hostId, request }, ctx) => {
        // Reads (diagnose, dump, crdump, mlxconfig query) change nothing: read-only allows them.
        if (!isReadOnlyOperation(request)) writable(inventory, hostId)
        return engine.run(hostId, request, ctx.sessionId)
      },
      cancel: async ({ opId }) => {
        engine.cancel(opId)
        return { ok: true as const }
      },
    },
    drills: {
      list: async ({ hostId }) => engine.listDrills(hostId),
      plan: async (request) => engine.planDrill(request),
      start: async ({ confirmed: _confirmed, ...request }, ctx) => {
        writable(inventory, request.hostId)
        return engine.startDrill(request, ctx.sessionId)
      },
      cancel: async ({ runId }) => {
        engine.cancelDrill(runId)
        return { ok: true as const }
      },
      history: async ({ hostId }) => engine.history(hostId),
      report: async ({ runId }) => engine.report(runId),
      step: async ({ runId, index }) => engine.stepDetail(runId, index),
      exportReport: async ({ runId, format }) => engine.exportReport(runId, format),
    },
    audit: {
      list: async ({ hostId, limit }) => engine.auditEntries(hostId, limit),
    },
    terminals: {
      open: async (request, ctx) => {
        const opened = await terminals.open(ctx.sessionId, request)
        const via = hub.sink(ctx.sessionId)?.transportOf?.(opened.streamId) ?? 'events'
        return { ...opened, via }
      },
      input: async ({ streamId, data }, ctx) => (
        terminals.input(ctx.sessionId, streamId, data),
        { ok: true as const }
      ),
      interrupt: async ({ streamId }, ctx) => (
        terminals.interrupt(ctx.sessionId, streamId),
        { ok: true as const }
      ),
      resize: async ({ streamId, cols, rows }, ctx) => (
        terminals.resize(ctx.sessionId, streamId, cols, rows),
        { ok: true as const }
      ),
      ack: async ({ streamId, bytes, lines }, ctx) => (
        terminals.ack(ctx.sessionId, streamId, bytes, lines),
        { ok: true as const }
      ),
      close: async ({ streamId }, ctx) => (
        terminals.close(ctx.sessionId, streamId),
        { ok: true as const }
      ),
    },
    logs: {
      list: async ({ hostId }) => logs.list(hostId),
      read: async (request) => logs.read(request),
    },
    broadcast: {
      start: async (request, ctx) => broadcaster.start(ctx.sessionId, request, ctx.signal),
      cancel: async ({ broadcastId, hostId }, ctx) => (
        broadcaster.cancel(ctx.sessionId, broadcastId, hostId),
        { ok: true as const }
      ),
    },
  }
}
