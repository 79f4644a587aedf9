import { KernelError, strerror } from '../model/errno'
import type { VFile } from '../vfs/nodes'
import { splitPath } from '../vfs/vfs'
import type { ExpandEnv } from './expand'
import { expandString } from './expand'
import type { InStream, OutStream } from './streams'
import { emptyInput, nullSink, stringInput } from './streams'
import type { Redirect } from './syntax'
import { Tok } from './syntax'
import type { Io } from './types'

/** A redirection that could not be set up; the shell prints `<target>: <reason>` and fails. */
export class RedirectError extends Error {}

/** Streams after applying a statement's redirections. */
export interface Redirected {
  readonly io: Io
  close(): Promise<void>
}

type Fd = InStream | OutStream

/**
 * Applies redirections left to right (POSIX XCU 2.7): `>`, `>|`, `>>`, `<`, `<<<`, here-docs,
 * `n>&m`, `&>`, `&>>`. Output to a sysfs attribute turns every `write()` into one `store()`,
 * so `echo 4 > sriov_numvfs` is a single store of "4\n" and its error surfaces in `echo`.
 */
export async function openRedirects(
  redirs: readonly Redirect[],
  io: Io,
  env: ExpandEnv,
): Promise<Redirected> {
  const fds = new Map<number, Fd>([
    [0, io.stdin],
    [1, io.stdout],
    [2, io.stderr],
  ])
  for (const r of redirs) await applyOne(r, fds, env)
  return {
    io: {
      stdin: (fds.get(0) as InStream | undefined) ?? emptyInput(),
      stdout: (fds.get(1) as OutStream | undefined) ?? nullSink,
      stderr: (fds.get(2) as OutStream | undefined) ?? nullSink,
    },
    close: async () => undefined,
  }
}

async function applyOne(r: Redirect, fds: Map<number, Fd>, env: ExpandEnv): Promise<void> {
  const n = r.N ? Number(r.N.Value) : undefined
  switch (r.Op) {
    case Tok.rdrOut:
    case Tok.clbOut:
    case Tok.appOut:
      fds.set(n ?? 1, openOutput(await expandString(r.Word, env), r.Op === Tok.appOut, env))
      return
    case Tok.rdrAll:
    case Tok.appAll: {
      const sink = openOutput(await expandString(r.Word, env), r.Op === Tok.appAll, env)
      fds.set(1, sink)
      fds.set(2, sink)
      return
    }
    case Tok.rdrIn:
    case Tok.rdrInOut:
      fds.set(n ?? 0, await openInput(await expandString(r.Word, env), env))
      return
    case Tok.wordHdoc:
      fds.set(n ?? 0, stringInput(`${await expandString(r.Word, env)}\n`))
      return
    case Tok.hdoc:
    case Tok.dashHdoc:
      fds.set(n ?? 0, stringInput(await expandString(r.Hdoc, env)))
      return
    case Tok.dplOut:
    case Tok.dplIn: {
      const target = await expandString(r.Word, env)
      const from = n ?? (r.Op === Tok.dplOut ? 1 : 0)
      if (target === '-') fds.delete(from)
      else if (!fds.has(Number(target))) throw new RedirectError(`${target}: Bad file descriptor`)
      else fds.set(from, fds.get(Number(target)) as Fd)
      return
    }
    default:
      throw new RedirectError('unsupported redirection')
  }
}

function openOutput(target: string, append: boolean, env: ExpandEnv): OutStream {
  if (target === '/dev/null') return nullSink
  const file = openForWrite(target, env)
  if (!append) file.truncate?.()
  const write = file.write?.bind(file)
  if (!write) throw new RedirectError(`${target}: Permission denied`)
  return { write: async (text) => write(text, true) }
}

function openForWrite(target: string, env: ExpandEnv): VFile {
  const found = env.vfs.tryLookup(target, true, env.cwd)
  if (found) {
    if (found.node.kind === 'dir') throw new RedirectError(`${target}: Is a directory`)
    return found.node as VFile
  }
  const parts = splitPath(target, env.cwd)
  const name = parts.pop() ?? ''
  const parent = env.vfs.tryLookup(`/${parts.join('/')}`)
  if (!parent || parent.node.kind !== 'dir')
    throw new RedirectError(`${target}: No such file or directory`)
  if (!parent.node.create) throw new RedirectError(`${target}: Permission denied`)
  return parent.node.create(name, 'file') as VFile
}

async function openInput(target: string, env: ExpandEnv): Promise<InStream> {
  if (target === '/dev/null') return emptyInput()
  try {
    return stringInput(await env.vfs.read(target, env.cwd))
  } catch (error) {
    if (error instanceof KernelError) throw new RedirectError(`${target}: ${strerror[error.errno]}`)
    throw error
  }
}
