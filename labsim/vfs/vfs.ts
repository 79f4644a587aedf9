import { KernelError } from '../model/errno'
import type { VDir, VFile, VNode } from './nodes'

/** Result of a path lookup: the node and its canonical absolute path. */
export interface Found {
  readonly node: VNode
  readonly path: string
}

const MAX_LINKS = 40 // the kernel's MAXSYMLINKS

/** Splits an absolute or relative path (against `cwd`) into normalised components. */
export function splitPath(path: string, cwd = '/'): string[] {
  const full = path.startsWith('/') ? path : `${cwd}/${path}`
  const out: string[] = []
  for (const part of full.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  return out
}

/** Joins components into an absolute path. */
export function joinPath(parts: readonly string[]): string {
  return `/${parts.join('/')}`
}

/**
 * Path resolution over the simulated filesystem, following symlinks like namei(7).
 *
 * Errors are `KernelError`s: ENOENT for a missing component, ENOTDIR when a non-directory is
 * traversed, ELOOP is reported as ENOENT after 40 links.
 */
export class Vfs {
  constructor(private readonly root: VDir) {}

  /** Looks a path up; `follow` controls the last component (lstat vs stat). */
  lookup(path: string, follow = true, cwd = '/'): Found {
    const found = this.resolve(path, follow, cwd)
    if (typeof found === 'string') throw new KernelError(found)
    return found
  }

  /** Like `lookup` but returns undefined instead of throwing (no Error allocation: hot path). */
  tryLookup(path: string, follow = true, cwd = '/'): Found | undefined {
    const found = this.resolve(path, follow, cwd)
    return typeof found === 'string' ? undefined : found
  }

  private resolve(path: string, follow: boolean, cwd: string): Found | 'ENOENT' | 'ENOTDIR' {
    let pending = splitPath(path, cwd)
    let done: string[] = []
    let node: VNode = this.root
    let links = 0
    while (pending.length > 0) {
      const [name, ...rest] = pending as [string, ...string[]]
      if (node.kind !== 'dir') return 'ENOTDIR'
      const child: VNode | undefined = node.get ? node.get(name) : node.entries().get(name)
      if (!child) return 'ENOENT'
      if (child.kind === 'link' && (rest.length > 0 || follow)) {
        if (++links > MAX_LINKS) return 'ENOENT'
        pending = [...splitPath(child.target, joinPath(done)), ...rest]
        done = []
        node = this.root
        continue
      }
      done = [...done, name]
      node = child
      pending = rest
    }
    return { node, path: joinPath(done) }
  }

  /** Entry names of a directory, sorted like `ls` (C locale). */
  readdir(path: string, cwd = '/'): string[] {
    const { node } = this.lookup(path, true, cwd)
    if (node.kind !== 'dir') throw new KernelError('ENOTDIR')
    return [...node.entries().keys()].sort()
  }

  /** Reads a whole file. EISDIR for directories, EACCES for write-only attributes. */
  async read(path: string, cwd = '/'): Promise<string> {
    const file = this.file(path, cwd)
    if (!file.read) throw new KernelError('EACCES')
    return file.read()
  }

  /** Writes (or appends) a whole buffer; creates tmpfs files when the directory allows it. */
  async write(path: string, data: string, append: boolean, cwd = '/'): Promise<void> {
    const file = this.fileForWrite(path, cwd)
    if (!file.write) throw new KernelError('EACCES')
    await file.write(data, append)
  }

  /** The file node at `path` (following links). */
  file(path: string, cwd = '/'): VFile {
    const { node } = this.lookup(path, true, cwd)
    if (node.kind === 'dir') throw new KernelError('EISDIR')
    if (node.kind === 'link') throw new KernelError('ENOENT')
    return node
  }

  /** Target text of a symlink (EINVAL if not a link). */
  readlink(path: string, cwd = '/'): string {
    const { node } = this.lookup(path, false, cwd)
    if (node.kind !== 'link') throw new KernelError('EINVAL')
    return node.target
  }

  /** Creates directories like `mkdir -p` (only inside tmpfs directories). */
  mkdirp(path: string, cwd = '/'): void {
    const parts = splitPath(path, cwd)
    for (let i = 1; i <= parts.length; i++) {
      const sub = joinPath(parts.slice(0, i))
      const found = this.tryLookup(sub)
      if (found) {
        if (found.node.kind !== 'dir') throw new KernelError('EEXIST')
        continue
      }
      const parent = this.lookup(joinPath(parts.slice(0, i - 1)))
      if (parent.node.kind !== 'dir' || !parent.node.create) throw new KernelError('EACCES')
      parent.node.create(parts[i - 1] ?? '', 'dir')
    }
  }

  private fileForWrite(path: string, cwd: string): VFile {
    const found = this.tryLookup(path, true, cwd)
    if (found) {
      if (found.node.kind === 'dir') throw new KernelError('EISDIR')
      return found.node as VFile
    }
    const parts = splitPath(path, cwd)
    const name = parts.pop()
    const parent = this.lookup(joinPath(parts))
    if (!name || parent.node.kind !== 'dir') throw new KernelError('ENOENT')
    if (!parent.node.create) throw new KernelError('EACCES')
    return parent.node.create(name, 'file') as VFile
  }
}
