import { execFile } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

import { afterAll, beforeAll, describe, inject } from 'vitest'

import { connectVm, type LabVm } from './netdevsim-vm'

/**
 * How a real-kernel test file gets its VM: `describeRealKernel(name, (vm) => …)` connects once
 * for the file and hands the tests a getter; where the global set-up found no lab, the whole
 * describe block is reported skipped with the reason in its name (never passed).
 */

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), '../../bin/replab.mjs')

/** Declares a describe block that runs only when the VM booted. */
export function describeRealKernel(name: string, body: (vm: () => LabVm) => void): void {
  const handle = inject('realkernel')
  if (!handle.ok) {
    describe.skip(`${name} (skipped: ${handle.reason})`, () => body(() => unreachable()))
    return
  }
  describe(name, () => {
    let vm: LabVm | undefined
    beforeAll(async () => {
      vm = await connectVm(handle)
    })
    afterAll(() => vm?.close())
    body(() => vm ?? unreachable())
  })
}

function unreachable(): never {
  throw new Error('the real-kernel VM is not connected')
}

/** Output of one `replab` CLI run. */
export interface CliRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Runs the real `replab` command (bin/replab.mjs, what users run) with `REPLAB_DATA_DIR` set to
 * `dataDir`. Never rejects: the exit code is returned. Host commands take `...sshArgs(vm)`.
 */
export function replabCli(
  dataDir: string,
  args: readonly string[],
  timeoutMs = 170_000,
): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
        env: { ...process.env, REPLAB_DATA_DIR: dataDir },
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0
        done({ code, stdout, stderr })
      },
    )
  })
}

/** The OpenSSH-style options that point a host command at the VM (pinned host key). */
export function sshArgs(vm: LabVm): string[] {
  return ['-i', vm.identityFile, '--known-hosts', vm.knownHosts]
}

/** A fresh data directory for one test file. */
export function dataDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'replab-rk-'))
}
