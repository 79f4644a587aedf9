import type { CommandRunner } from '../../../main/host/ports'
import { execFile } from 'node:child_process'
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

/**
 * A fake host on the local disk: a sysfs/proc/debugfs tree under a temp root and PATH stubs for
 * `devlink`, `ip`, `rdma`, `lspci`, `uname` that print canned outputs. The discovery script runs
 * against it with its root-prefix variable, under dash, busybox sh and bash.
 */

/** What the fake host contains. Paths are relative to the fake root. */
export interface FakeHostSpec {
  readonly files: Record<string, string>
  /** link path → target (relative targets as in sysfs). */
  readonly links: Record<string, string>
  readonly dirs?: readonly string[]
  /** `"<tool> <args…>"` → stdout and exit code (default 0). Unlisted commands exit 1. */
  readonly commands: Record<string, { out: string; rc?: number }>
}

/** A created fake host; `dispose()` removes it. */
export interface FakeHost {
  readonly root: string
  readonly binDir: string
  /** Runs `script` as `<shell> -c` (the stub functions first) with `stdin`, as sshd runs a command. */
  run(shell: readonly string[], script: string, stdin?: string): Promise<string>
  /** Replaces a command's canned output (the host "changes"). */
  setCommand(command: string, out: string, rc?: number): Promise<void>
  /** Writes a file under the fake root. */
  write(path: string, content: string): Promise<void>
  dispose(): Promise<void>
}

const TOOLS = ['devlink', 'ip', 'rdma', 'lspci', 'uname']

function key(command: string): string {
  return command.replace(/[^A-Za-z0-9.-]/g, '_')
}

/** Builds the tree and the stubs. */
export async function createFakeHost(spec: FakeHostSpec): Promise<FakeHost> {
  const base = await mkdtemp(join(tmpdir(), 'replab-fakehost-'))
  const root = join(base, 'root')
  const binDir = join(base, 'bin')
  const outDir = join(base, 'out')
  await mkdir(root, { recursive: true })
  await mkdir(binDir)
  await mkdir(outDir)
  for (const d of spec.dirs ?? []) await mkdir(join(root, d), { recursive: true })
  for (const [path, content] of Object.entries(spec.files)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await writeFile(join(root, path), content)
  }
  for (const [path, target] of Object.entries(spec.links)) {
    await mkdir(dirname(join(root, path)), { recursive: true })
    await symlink(target, join(root, path))
  }
  // As in sysfs, a link leads somewhere (a driver link to /sys/bus/*/drivers/<name>): discovery
  // resolves links with `cd -P`, which a dangling link would fail.
  for (const [path, target] of Object.entries(spec.links)) {
    const to = resolve(dirname(join(root, path)), target)
    if (to.startsWith(`${root}/`)) await mkdir(to, { recursive: true }).catch(() => undefined)
  }
  const setCommand = async (command: string, out: string, rc = 0): Promise<void> => {
    await writeFile(join(outDir, `${key(command)}.out`), out)
    await writeFile(join(outDir, `${key(command)}.rc`), String(rc))
  }
  for (const [command, { out, rc }] of Object.entries(spec.commands)) {
    await setCommand(command, out, rc)
  }
  for (const tool of TOOLS) {
    const stub = [
      '#!/bin/sh',
      `k=$(printf '%s' "${tool} $*" | tr -c 'A-Za-z0-9.-' '_')`,
      `f="${outDir}/$k"`,
      'if [ -e "$f.out" ]; then cat "$f.out"; exit "$(cat "$f.rc")"; fi',
      `echo "${tool}: no canned output for: $*" >&2`,
      'exit 1',
      '',
    ].join('\n')
    await writeFile(join(binDir, tool), stub)
    await chmod(join(binDir, tool), 0o755)
  }
  return {
    root,
    binDir,
    run: (shell, script, stdin) => runShell(shell, script, binDir, stdin ?? ''),
    setCommand,
    write: (path, content) => writeFile(join(root, path), content),
    dispose: () => rm(base, { recursive: true, force: true }),
  }
}

/**
 * Shell functions that route each stubbed tool to its stub. PATH alone is not enough: Debian's
 * busybox-static runs its own `uname`, `ip` and `lspci` applets before searching PATH, but a
 * shell function is found before an applet in every shell.
 */
function stubFunctions(binDir: string): string {
  return TOOLS.map((tool) => `${tool}() { "${binDir}/${tool}" "$@"; }\n`).join('')
}

function runShell(
  shell: readonly string[],
  script: string,
  binDir: string,
  stdin: string,
): Promise<string> {
  const [file, ...args] = shell
  return new Promise((resolve, reject) => {
    const child = execFile(
      file ?? 'sh',
      [...args, '-c', stubFunctions(binDir) + script],
      { env: { PATH: `${binDir}:/usr/bin:/bin`, LC_ALL: 'C' }, maxBuffer: 64 << 20 },
      (err, stdout) => (err === null ? resolve(stdout) : reject(err)),
    )
    child.stdin?.end(stdin)
  })
}

/** A `CommandRunner` that runs each command under `shell` against the fake host (counts execs). */
export function fakeRunner(
  host: FakeHost,
  shell: readonly string[],
): CommandRunner & { readonly calls: string[] } {
  const calls: string[] = []
  return {
    target: `fake:${shell.join(' ')}`,
    calls,
    async exec(command, options) {
      calls.push(command)
      const started = performance.now()
      const stdout = await host.run(shell, command, options.stdin)
      return { stdout, stderr: '', code: 0, signal: null, durationMs: performance.now() - started }
    },
    stream() {
      throw new Error('fake runner has no streams')
    },
  }
}
