import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  addKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  keyTypeOf,
  loadKnownHosts,
  parseKnownHosts,
} from '../../../main/ssh'

// Keys and hashed line produced by OpenSSH 9.2 (ssh-keygen -t …; ssh-keygen -lf; ssh-keygen -H).
const ED = 'AAAAC3NzaC1lZDI1NTE5AAAAIHPApJxSC4vtiJ0xQ6wbMawVhNUmXqYWjRO510z3zpN/'
const ED_FP = 'SHA256:42EsFoFA1zxk+eBpQIWtPhOAtP6eW9sYlRjr99oWiP4'
const EC =
  'AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDzdY7FkPqwteruPR6IBapX9z20QzLA2YRtPxnYlYoWPm8rqoblMqzowu+kyMEjUbR4/fEQ4W2JP9IFML3OR4sE='
const EC_FP = 'SHA256:DwhtTmwqwCDhjISGHtroP5rVbTzW8hbotfXzLbapC+k'
const HASHED_LAB_2222 = `|1|67sAUOWzUs6tBnJPAqeg1j6r4UQ=|dYX4wbkcY0YpKbyFnGuyWkMa670= ssh-ed25519 ${ED}`
const ed = Buffer.from(ED, 'base64')
const ec = Buffer.from(EC, 'base64')
const ED_OTHER = Buffer.concat([ed.subarray(0, ed.length - 1), Buffer.from([0])])

describe('fingerprints', () => {
  it('prints SHA256 fingerprints exactly like ssh-keygen -l', () => {
    expect(fingerprintSha256(ed)).toBe(ED_FP)
    expect(fingerprintSha256(ec)).toBe(EC_FP)
  })

  it('reads the key type from the blob and survives garbage', () => {
    expect(keyTypeOf(ed)).toBe('ssh-ed25519')
    expect(keyTypeOf(ec)).toBe('ecdsa-sha2-nistp256')
    expect(keyTypeOf(Buffer.from([0, 0, 0xff, 0xff, 1]))).toBe('unknown')
    expect(keyTypeOf(Buffer.alloc(2))).toBe('unknown')
  })
})

describe('parseKnownHosts', () => {
  it('reports bad lines with file:line and keeps the good ones', () => {
    const text = [
      '# comment',
      '',
      `lab1 ssh-ed25519 ${ED}`,
      'just-one-field',
      `lab2 ssh-ed25519 not*base64`,
      `lab3 ssh-rsa ${ED}`,
      `@bogus lab4 ssh-ed25519 ${ED}`,
      `|1|x lab5 ssh-ed25519 ${ED}`.replace(' lab5', ''),
      `@cert-authority *.lab ssh-ed25519 ${ED}`,
    ].join('\n')
    const d = parseKnownHosts(text, 'kh')
    expect(d.entries.map((e) => [e.line, e.marker])).toEqual([
      [3, null],
      [9, 'cert-authority'],
    ])
    expect(d.problems.map((p) => p.line)).toEqual([4, 5, 6, 7, 8])
    expect(d.problems.every((p) => p.file === 'kh' && p.reason.length > 0)).toBe(true)
  })
})

describe('checkHostKey', () => {
  const check = (text: string, host: string, port: number, key: Buffer) =>
    checkHostKey(parseKnownHosts(text, 'kh'), host, port, key)

  it('matches a hashed [host]:port entry written by OpenSSH', () => {
    expect(check(HASHED_LAB_2222, 'lab.example', 2222, ed)).toEqual({
      status: 'match',
      location: 'kh:1',
    })
    expect(check(HASHED_LAB_2222, 'lab.example', 22, ed).status).toBe('unknown')
    expect(check(HASHED_LAB_2222, 'other', 2222, ed).status).toBe('unknown')
  })

  it('uses the bare name on port 22 and [host]:port elsewhere, case-insensitively', () => {
    expect(check(`Lab1 ssh-ed25519 ${ED}`, 'lab1', 22, ed).status).toBe('match')
    expect(check(`lab1 ssh-ed25519 ${ED}`, 'lab1', 2222, ed).status).toBe('unknown')
    expect(check(`[lab1]:2222 ssh-ed25519 ${ED}`, 'lab1', 2222, ed).status).toBe('match')
  })

  it('honours wildcards and negation', () => {
    const line = `*.lab,!bad.lab ssh-ed25519 ${ED}`
    expect(check(line, 'a.lab', 22, ed).status).toBe('match')
    expect(check(line, 'bad.lab', 22, ed).status).toBe('unknown')
    expect(check(`lab? ssh-ed25519 ${ED}`, 'lab7', 22, ed).status).toBe('match')
    expect(check(`lab? ssh-ed25519 ${ED}`, 'lab77', 22, ed).status).toBe('unknown')
  })

  it('a different key of the same type is changed, with the old fingerprint and line', () => {
    const r = check(`# x\nlab1 ssh-ed25519 ${ED}`, 'lab1', 22, ED_OTHER)
    expect(r).toEqual({
      status: 'changed',
      knownFingerprint: ED_FP,
      knownKeyType: 'ssh-ed25519',
      location: 'kh:2',
    })
  })

  // Issue 20: a key of another type for a known host used to be "unknown" (and then trusted
  // with accept-new). OpenSSH 9.2 refuses it as changed (hostfile.c: any non-matching key of
  // the host is HOST_CHANGED), and so does replab.
  it('a key of another type for a known host is changed, naming the key on record', () => {
    expect(check(`lab1 ssh-ed25519 ${ED}`, 'lab1', 22, ec)).toEqual({
      status: 'changed',
      knownFingerprint: ED_FP,
      knownKeyType: 'ssh-ed25519',
      location: 'kh:1',
    })
    expect(check(`lab2 ssh-ed25519 ${ED}`, 'lab1', 22, ec)).toEqual({
      status: 'unknown',
      knownTypes: [],
    })
  })

  it('@revoked wins over a matching line; @cert-authority never matches', () => {
    const text = `lab1 ssh-ed25519 ${ED}\n@revoked * ssh-ed25519 ${ED}`
    expect(check(text, 'lab1', 22, ed)).toEqual({ status: 'revoked', location: 'kh:2' })
    expect(check(`@cert-authority * ssh-ed25519 ${ED}`, 'lab1', 22, ed).status).toBe('unknown')
  })
})

describe('writing known_hosts', () => {
  const dirs: string[] = []
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true })
  })

  it('writes hashed and plain lines that read back as matches', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replab-kh-'))
    dirs.push(dir)
    const file = join(dir, 'sub', 'known_hosts')
    await addKnownHost(file, 'lab1', 2222, ed)
    await addKnownHost(file, 'lab2', 22, ec, { hash: false })
    const text = await readFile(file, 'utf8')
    expect(text).toMatch(/^\|1\|\S+\|\S+ ssh-ed25519 \S+\nlab2 ecdsa-sha2-nistp256 \S+\n$/)
    const data = await loadKnownHosts([file, join(dir, 'missing')])
    expect(checkHostKey(data, 'lab1', 2222, ed).status).toBe('match')
    expect(checkHostKey(data, 'lab2', 22, ec).status).toBe('match')
    expect(data.problems).toEqual([])
  })

  it('uses a fresh salt per hashed line', () => {
    expect(formatKnownHostLine('h', 22, ed, true)).not.toBe(formatKnownHostLine('h', 22, ed, true))
    expect(formatKnownHostLine('h', 22, ed, false)).toBe(`h ssh-ed25519 ${ED}`)
  })
})
