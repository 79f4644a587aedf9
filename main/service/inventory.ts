import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

import { z } from 'zod'

import { copyIdFor, HostConfig, labError, type HostConfigInput } from '../../contract'

const InventoryFile = z.object({ version: z.literal(1), hosts: z.array(HostConfig) })

/**
 * The host inventory, persisted as JSON at `path` (written to a temp file, fsynced, renamed).
 * Simulated hosts are kept in memory only: labsim announces them afresh at every start.
 * A corrupt file is moved aside to `<path>.corrupt-<time>` and reported, never silently lost.
 */
export class Inventory {
  private readonly hosts = new Map<string, HostConfig>()

  constructor(private readonly path: string) {}

  /** Loads the file; answers a warning when it had to be moved aside. */
  async load(): Promise<string | null> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch {
      return null
    }
    const parsed = InventoryFile.safeParse(safeJson(text))
    if (!parsed.success) {
      const aside = `${this.path}.corrupt-${Date.now()}`
      await rename(this.path, aside).catch(() => {})
      return `inventory ${this.path} was unreadable; moved aside to ${aside}`
    }
    for (const h of parsed.data.hosts) this.hosts.set(h.id, h)
    return null
  }

  list(): HostConfig[] {
    return [...this.hosts.values()]
  }

  get(id: string): HostConfig {
    const host = this.hosts.get(id)
    if (!host) throw labError('not-found', `no host ${JSON.stringify(id)} in the inventory`)
    return host
  }

  has(id: string): boolean {
    return this.hosts.has(id)
  }

  /** Adds or replaces a host and persists (unless simulated). */
  async put(input: HostConfigInput): Promise<HostConfig> {
    const host = HostConfig.parse(input)
    const previous = this.hosts.get(host.id)
    this.hosts.set(host.id, host)
    if (!host.simulated) {
      try {
        await this.save()
      } catch (err) {
        // Nothing in memory that the file does not have: roll back what could not be saved.
        if (previous) this.hosts.set(host.id, previous)
        else this.hosts.delete(host.id)
        throw err
      }
    }
    return host
  }

  /**
   * A free id for a copy of `id`: `<id>-copy`, then `<id>-copy-2`, … (cut to the 64 characters
   * a HostId allows).
   */
  copyId(id: string): string {
    return copyIdFor(id, this.hosts)
  }

  async remove(id: string): Promise<void> {
    const host = this.get(id)
    this.hosts.delete(id)
    if (!host.simulated) {
      try {
        await this.save()
      } catch (err) {
        this.hosts.set(id, host)
        throw err
      }
    }
  }

  private async save(): Promise<void> {
    const body = JSON.stringify(
      { version: 1, hosts: this.list().filter((h) => !h.simulated) },
      null,
      2,
    )
    await mkdir(dirname(this.path), { recursive: true })
    const tmp = `${this.path}.tmp-${process.pid}`
    try {
      await writeFile(tmp, body, { mode: 0o600 })
      const fh = await open(tmp, 'r')
      await fh.sync().finally(() => fh.close())
      await rename(tmp, this.path)
    } catch (err) {
      await unlink(tmp).catch(() => {})
      throw labError(
        'io-error',
        `could not save the inventory ${this.path}: ${(err as Error).message}`,
      )
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
