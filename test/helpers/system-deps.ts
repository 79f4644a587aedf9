import { accessSync, constants, readFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * What a test needs from the machine, checked before it starts. A missing dependency fails the
 * test with a message naming the Debian package and the command that installs it; no test skips
 * silently because the machine lacks something.
 *
 * The rows come from scripts/test-deps.txt, the same list scripts/install-test-deps.sh installs
 * from: `name file package used-by…`, where `file` is an absolute path or a command looked up in
 * PATH (plus /usr/sbin and /sbin). `root` is a pseudo-dependency: sshd's privilege separation,
 * useradd and mount need uid 0.
 */

/** The list both the install script and the tests read. */
export const DEPS_FILE = fileURLToPath(new URL('../../scripts/test-deps.txt', import.meta.url))

/** The command README.md and .ci/run use to install every dependency. */
export const INSTALL_COMMAND = 'scripts/install-test-deps.sh'

/** One row of scripts/test-deps.txt. */
export interface SystemDep {
  readonly name: string
  /** Absolute path, or a command name looked up in PATH. */
  readonly file: string
  readonly debianPackage: string
  readonly usedBy: string
}

/** Where to look, for tests of this module; defaults are the real machine. */
export interface LookupOptions {
  /** Environment whose PATH is searched; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv
  /** Prefix for absolute paths (a fake root); default none. */
  readonly root?: string
  /** The caller's uid; default `process.getuid()`. */
  readonly uid?: number
  /** The list to read; default DEPS_FILE. */
  readonly depsFile?: string
}

/** Parses scripts/test-deps.txt (comments and blank lines skipped). */
export function readDeps(depsFile = DEPS_FILE): Map<string, SystemDep> {
  const deps = new Map<string, SystemDep>()
  for (const line of readFileSync(depsFile, 'utf8').split('\n')) {
    const [name, file, debianPackage, ...usedBy] = line.trim().split(/\s+/)
    if (!name || name.startsWith('#') || !file || !debianPackage) continue
    deps.set(name, { name, file, debianPackage, usedBy: usedBy.join(' ') })
  }
  return deps
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function present(dep: SystemDep, options: LookupOptions): boolean {
  if (dep.file.startsWith('/')) return executable(join(options.root ?? '/', dep.file))
  const path = (options.env ?? process.env)['PATH'] ?? ''
  const dirs = [...path.split(delimiter), '/usr/sbin', '/sbin'].filter((d) => d !== '')
  return dirs.some((dir) => executable(join(options.root ?? '/', dir, dep.file)))
}

/**
 * One message per missing dependency among `names` (empty when all are present). Throws for a
 * name that is not in the list (a typo in a test is a bug, not a missing package).
 */
export function missingSystemDeps(names: readonly string[], options: LookupOptions = {}): string[] {
  const deps = readDeps(options.depsFile)
  const missing: string[] = []
  for (const name of names) {
    if (name === 'root') {
      const uid = options.uid ?? process.getuid?.()
      if (uid !== 0) {
        missing.push(
          `root: this test starts sshd, adds a throwaway user or mounts a tmpfs, which needs uid 0 ` +
            `(uid is ${uid ?? 'unknown'}); run the tests as root, e.g. \`sudo npm test\``,
        )
      }
      continue
    }
    const dep = deps.get(name)
    if (dep === undefined) throw new Error(`system-deps: no row "${name}" in ${DEPS_FILE}`)
    if (present(dep, options)) continue
    const where = dep.file.startsWith('/') ? dep.file : `\`${dep.file}\` in PATH`
    missing.push(
      `${name}: ${where} is missing; it comes from the Debian package ${dep.debianPackage} ` +
        `(needed by: ${dep.usedBy}). Install every test dependency with \`${INSTALL_COMMAND}\` ` +
        `(or just this one: \`apt-get install ${dep.debianPackage}\`)`,
    )
  }
  return missing
}

/** Throws one Error listing every missing dependency among `names`; returns when all are there. */
export function requireSystemDeps(names: readonly string[], options: LookupOptions = {}): void {
  const missing = missingSystemDeps(names, options)
  if (missing.length > 0) {
    throw new Error(`missing system dependencies for this test:\n  - ${missing.join('\n  - ')}`)
  }
}
