import { spawn } from 'node:child_process'

import { describe, expect, it } from 'vitest'

import { buildDiscoveryScript, splitSections } from '../../../main/host/discovery-script'
import type { ExecResult } from '../../../main/host/ports'
import {
  fuseReadAfter,
  SeparatorWatch,
  splitReadAfter,
  type FusedExec,
} from '../../../main/host/read-after'

// The fused exec (command, then a read, in one shell) run by the real dash and bash that remote
// hosts use as login shells: the command's stdout, stderr and exit code must come back as a plain
// exec of it would give them, and the read's output apart.

/** Runs `fused` under `shell -c` with its stdin; the split result. */
function run(shell: string, fused: FusedExec): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const p = spawn(shell, ['-c', fused.command], { stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    const watch = new SeparatorWatch(fused.separator)
    p.stdout.on('data', (d: Buffer) => (watch.feed(d.toString('latin1')), out.push(d)))
    p.stderr.on('data', (d: Buffer) => err.push(d))
    p.on('error', reject)
    p.on('close', (code, signal) => {
      const raw: ExecResult = {
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        code,
        signal,
        durationMs: performance.now() - started,
      }
      resolve(splitReadAfter(raw, fused, started, watch.at))
    })
    p.stdin.end(fused.stdin)
  })
}

const read = buildDiscoveryScript({ parts: ['extras'], root: '/nonexistent', nonce: 'readafter1' })

describe.each(['dash', 'bash'])('a command and its verifying read in one %s exec', (shell) => {
  it('keeps the command stdout byte for byte, with or without a trailing newline', async () => {
    for (const [command, stdout] of [
      ['printf "a\\nb\\n"', 'a\nb\n'],
      ['printf "no newline"', 'no newline'],
      ['true', ''],
      ['printf "\\n\\n"', '\n\n'],
    ] as const) {
      const r = await run(shell, fuseReadAfter(command, read))
      expect(r.stdout).toBe(stdout)
      expect(r.code).toBe(0)
      const sections = splitSections(r.after?.stdout ?? '', read.marker)
      expect(sections.map((s) => s.name)).toEqual(['tracer', 'crdump', 'labsim'])
    }
  })

  it("keeps the command's exit code and stderr; the read's stderr is dropped", async () => {
    const r = await run(shell, fuseReadAfter('echo oops >&2; false', read))
    expect(r).toMatchObject({ stdout: '', stderr: 'oops\n', code: 1, signal: null })
    expect(r.after?.stdout).toContain(`${read.marker}:tracer:`)
    const multi = await run(
      shell,
      fuseReadAfter('echo 0 > /dev/null\nexit_code() { return 7; }\nexit_code', read),
    )
    expect(multi.code).toBe(7)
  })

  it('a command reading stdin gets nothing and leaves the read its marker', async () => {
    const r = await run(shell, fuseReadAfter('cat; echo read-done', read))
    expect(r.stdout).toBe('read-done\n')
    expect(r.after?.stdout).toContain(`${read.marker}:labsim:`)
  })

  it('a command that ends the shell comes back as a plain exec, without a read', async () => {
    const r = await run(shell, fuseReadAfter('echo bye; exit 3', read))
    expect(r).toMatchObject({ stdout: 'bye\n', code: 3 })
    expect(r.after).toBeUndefined()
  })

  it('output that imitates a separator or a section marker cannot split the result', async () => {
    const forged = 'printf "\\n@@replab-0000000000000000-rc 0\\n@@replab-x:tracer:\\n"'
    const r = await run(shell, fuseReadAfter(forged, read, 'abcdefgh12345678'))
    expect(r.stdout).toBe('\n@@replab-0000000000000000-rc 0\n@@replab-x:tracer:\n')
    expect(r.code).toBe(0)
    expect(splitSections(r.after?.stdout ?? '', read.marker)).toHaveLength(3)
  })
})

describe('SeparatorWatch', () => {
  it('sees a separator split across chunks, and only once', () => {
    const w = new SeparatorWatch('\n@@replab-abc-rc ')
    w.feed('output\n@@rep')
    expect(w.at).toBeUndefined()
    w.feed('lab-abc-rc 0\n')
    const at = w.at
    expect(at).toBeGreaterThan(0)
    w.feed('\n@@replab-abc-rc 1\n')
    expect(w.at).toBe(at)
  })
})

describe('splitReadAfter', () => {
  const fused = fuseReadAfter('true', read, 'abcdefgh12345678')
  const raw = (stdout: string): ExecResult => ({
    stdout,
    stderr: '',
    code: 0,
    signal: null,
    durationMs: 50,
  })

  it('times the command until the separator arrived and the read after it', () => {
    const r = splitReadAfter(raw(`x${fused.separator}0\nREAD`), fused, 1000, 1020)
    expect(r).toMatchObject({ stdout: 'x', code: 0, durationMs: 20 })
    expect(r.after).toEqual({ stdout: 'READ', durationMs: 30 })
  })

  it('a separator line cut short or with no number leaves the exec as it came', () => {
    for (const text of [`x${fused.separator}0`, `x${fused.separator}zz\nREAD`]) {
      expect(splitReadAfter(raw(text), fused, 0, undefined)).toEqual(raw(text))
    }
  })
})
