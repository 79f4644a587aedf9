import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll } from 'vitest'
import type { Sshd, SshdOptions, TestUser } from './sshd'
import { authorize, createTestUser, makeKey, removeDir, startSshd } from './sshd'
import { requireSystemDeps } from './system-deps'

/**
 * The OpenSSH set-up every sshd test file shares, as vitest hooks: `useSshd()` registers a
 * `beforeAll` that starts one or more Debian sshd processes (test/helpers/sshd.ts) on
 * 127.0.0.1, makes a temp directory, an ed25519 client key authorized on every server and
 * (unless `user: false`) a throwaway local user, and an `afterAll` that stops and removes all of
 * it. Call it at the top of a file or a `describe`; read the fields inside hooks and tests.
 *
 * A machine without sshd, ssh-keygen, useradd or root fails the file's tests in `beforeAll` with
 * the missing Debian package and `scripts/install-test-deps.sh` (test/helpers/system-deps.ts).
 */

/** Options of `useSshd`. */
export interface UseSshdOptions {
  /**
   * One entry per sshd to start, in order (default: one with default options). A function gets
   * the rig's directory first, for configs that point into it (e.g. a `ForceCommand` script).
   */
  readonly servers?: readonly SshdOptions[] | ((dir: string) => Promise<readonly SshdOptions[]>)
  /** Create a throwaway local user with a password (default true); without it, log in as root. */
  readonly user?: boolean
  /** Prefix of the temp directory (default `replab-sshd-rig-`). */
  readonly prefix?: string
}

/** What `useSshd` set up; every field throws when read before its `beforeAll` ran. */
export interface SshdRig {
  /** Temp directory for keys, known_hosts files and test scratch; removed afterwards. */
  readonly dir: string
  /** The first server. */
  readonly sshd: Sshd
  /** Every server, in the order of `servers`. */
  readonly servers: readonly Sshd[]
  /** The throwaway user (throws with `user: false`). */
  readonly user: TestUser
  /** The client key, authorized on every server. */
  readonly key: { readonly path: string; readonly pub: string }
  /** `user@127.0.0.1:port` of `server` (default the first); `root@…` with `user: false`. */
  target(server?: Sshd): string
}

interface Started {
  dir: string
  servers: Sshd[]
  user: TestUser | null
  key: { path: string; pub: string }
}

/** Registers the hooks (see the module doc) and returns the rig they fill in. */
export function useSshd(options: UseSshdOptions = {}): SshdRig {
  const wantUser = options.user ?? true
  let started: Started | null = null
  const partial: { dir?: string; servers: Sshd[]; user?: TestUser } = { servers: [] }

  beforeAll(async () => {
    requireSystemDeps(['root', 'sshd', 'ssh-keygen', ...(wantUser ? ['useradd', 'chpasswd'] : [])])
    const dir = await mkdtemp(join(tmpdir(), options.prefix ?? 'replab-sshd-rig-'))
    partial.dir = dir
    const specs =
      typeof options.servers === 'function' ? await options.servers(dir) : (options.servers ?? [{}])
    const [servers, user, key] = await Promise.all([
      Promise.all(
        specs.map((s) => startSshd(s).then((sshd) => (partial.servers.push(sshd), sshd))),
      ),
      wantUser ? createTestUser().then((u) => (partial.user = u)) : null,
      makeKey(dir, 'id_ed25519'),
    ])
    await Promise.all(servers.map((s) => authorize(s, key.pub)))
    started = { dir, servers, user, key }
  })

  afterAll(async () => {
    // `partial` also holds what a failed beforeAll got as far as starting.
    await Promise.all(partial.servers.map((s) => s.stop()))
    await partial.user?.remove()
    if (partial.dir !== undefined) await removeDir(partial.dir)
  })

  const need = (): Started => {
    if (started === null) throw new Error('useSshd: read the rig inside a hook or test')
    return started
  }
  return {
    get dir() {
      return need().dir
    },
    get sshd() {
      return need().servers[0] as Sshd
    },
    get servers() {
      return need().servers
    },
    get user() {
      const user = need().user
      if (user === null) throw new Error('useSshd: started with user: false')
      return user
    },
    get key() {
      return need().key
    },
    target(server?: Sshd) {
      const s = need()
      return `${s.user?.name ?? 'root'}@127.0.0.1:${(server ?? s.servers[0])?.port}`
    },
  }
}
