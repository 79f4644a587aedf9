import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEPS_FILE, missingSystemDeps, readDeps, requireSystemDeps } from '../helpers/system-deps'

// The check every system-dependent test runs first, against a fake root and a fake PATH: a
// missing dependency fails with the Debian package and the install command, never a skip.

let root: string

async function exe(path: string): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true })
  await writeFile(join(root, path), '#!/bin/sh\n')
  await chmod(join(root, path), 0o755)
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'replab-deps-'))
  await exe('/usr/bin/dash')
  await exe('/opt/fakebin/ssh-keygen') // not where the list says: does not count
  await exe('/opt/fakebin/useradd') // a PATH command: found through PATH
  await writeFile(join(root, 'usr/bin/busybox'), 'not executable\n')
})
afterAll(() => rm(root, { recursive: true, force: true }))

const fake = (): { root: string; env: NodeJS.ProcessEnv; uid: number } => ({
  root,
  env: { PATH: '/opt/fakebin' },
  uid: 0,
})

describe('system dependencies of the tests (scripts/test-deps.txt)', () => {
  it('lists a Debian package for every dependency the suites use', () => {
    const deps = readDeps()
    for (const name of ['chromium', 'sshd', 'ssh-keygen', 'dash', 'busybox', 'mount']) {
      expect(deps.get(name)?.debianPackage, name).toMatch(/^[a-z0-9.+-]+$/)
    }
    expect(deps.get('sshd')).toMatchObject({
      file: '/usr/sbin/sshd',
      debianPackage: 'openssh-server',
    })
    expect(deps.get('chromium')).toMatchObject({
      file: '/usr/bin/chromium',
      debianPackage: 'chromium',
    })
  })

  it('finds absolute paths under the root and commands in PATH', () => {
    expect(missingSystemDeps(['dash', 'useradd'], fake())).toEqual([])
  })

  it('names the missing file, its Debian package and the install command', () => {
    const missing = missingSystemDeps(['sshd', 'dash', 'busybox', 'userdel'], fake())
    expect(missing).toHaveLength(3)
    expect(missing[0]).toContain('/usr/sbin/sshd is missing')
    expect(missing[0]).toContain('Debian package openssh-server')
    expect(missing[0]).toContain('`scripts/install-test-deps.sh`')
    expect(missing[0]).toContain('`apt-get install openssh-server`')
    // present but not executable counts as missing
    expect(missing[1]).toMatch(/^busybox: \/usr\/bin\/busybox is missing; .* package busybox /)
    expect(missing[2]).toMatch(/^userdel: `userdel` in PATH is missing; .* package passwd /)
  })

  it('a file at another path than the list names is missing (ssh-keygen only in PATH)', () => {
    expect(missingSystemDeps(['ssh-keygen'], fake())).toEqual([
      expect.stringContaining('/usr/bin/ssh-keygen is missing'),
    ])
  })

  it('root is a dependency too: a non-root run fails saying so', () => {
    expect(missingSystemDeps(['root'], { ...fake(), uid: 1000 })).toEqual([
      expect.stringMatching(/^root: .*uid 0 \(uid is 1000\).*sudo npm test/),
    ])
    expect(missingSystemDeps(['root'], fake())).toEqual([])
  })

  it('requireSystemDeps throws one error listing all of them; a typo is a bug', () => {
    expect(() => requireSystemDeps(['chromium', 'mount'], fake())).toThrow(
      /missing system dependencies for this test:\n {2}- chromium: .*chromium.*\n {2}- mount: .*package mount/,
    )
    expect(() => requireSystemDeps(['dash'], fake())).not.toThrow()
    expect(() => missingSystemDeps(['sshdd'], fake())).toThrow(/no row "sshdd"/)
  })

  it('the install script reads the same list', async () => {
    const script = await readFile(join(DEPS_FILE, '../install-test-deps.sh'), 'utf8')
    expect(script).toContain('scripts/test-deps.txt')
  })
})
