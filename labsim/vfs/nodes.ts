import type { OutStream } from '../shell/streams'

/**
 * Nodes of the simulated filesystem (sysfs, debugfs, procfs, tmpfs).
 *
 * Directories compute their entries on every lookup, so the tree always reflects the kernel
 * model. Files are kernfs-like attributes: `read` returns the whole content (a `show`), `write`
 * receives the whole buffer (a `store`) and may throw a `KernelError`, `stream` serves files
 * like `trace_pipe` that block and stream until the reader goes away.
 */
export type VNode = VDir | VFile | VLink

/** A directory; `entries()` is evaluated at lookup time. */
export interface VDir {
  readonly kind: 'dir'
  entries(): Map<string, VNode>
  /** Optional fast lookup of one child (large generated directories). */
  get?(name: string): VNode | undefined
  /** tmpfs only: create a file or directory named `name`. */
  create?(name: string, kind: 'file' | 'dir'): VNode
  /** tmpfs only: remove an entry. */
  remove?(name: string): boolean
}

/** Context of one open-for-streaming (the reader's output and its abort signal). */
export interface StreamContext {
  readonly out: OutStream
  readonly signal: AbortSignal
}

/** An attribute file. */
export interface VFile {
  readonly kind: 'file'
  /** Absent: reading fails with EACCES (kernfs attribute without `show`). */
  read?(): string | Promise<string>
  /** Absent: writing fails with EACCES. Receives the whole written buffer. */
  write?(data: string, append: boolean): void | Promise<void>
  /** tmpfs only: `O_TRUNC` at open (sysfs attributes have no such thing). */
  truncate?(): void
  /** Blocking reader (trace_pipe, /dev/zero-like): streams until `signal` aborts. */
  stream?(ctx: StreamContext): Promise<void>
}

/** A symbolic link; `target` is relative to the link's directory or absolute. */
export interface VLink {
  readonly kind: 'link'
  readonly target: string
}

/** Builds a directory whose entries come from `fn` at each lookup. */
export function dir(fn: () => Map<string, VNode> | [string, VNode][]): VDir {
  return {
    kind: 'dir',
    entries: () => {
      const value = fn()
      return value instanceof Map ? value : new Map(value)
    },
  }
}

/**
 * Builds a large generated directory: `names()` lists the children, `child(name)` builds one on
 * demand, so a path lookup costs one child instead of the whole listing.
 */
export function lazyDir(names: () => string[], child: (name: string) => VNode | undefined): VDir {
  return {
    kind: 'dir',
    entries: () => {
      const out = new Map<string, VNode>()
      for (const name of names()) {
        const node = child(name)
        if (node) out.set(name, node)
      }
      return out
    },
    get: child,
  }
}

/** Builds a read-only attribute file showing `fn()` (a trailing newline is added). */
export function attr(fn: () => string | number): VFile {
  return { kind: 'file', read: () => `${fn()}\n` }
}

/** Builds a read/write attribute file. */
export function rwAttr(
  show: () => string | number,
  store: (value: string) => void | Promise<void>,
): VFile {
  return { kind: 'file', read: () => `${show()}\n`, write: (data) => store(data) }
}

/** Builds a write-only attribute (reading gives EACCES, like kernfs without `show`). */
export function woAttr(store: (value: string) => void | Promise<void>): VFile {
  return { kind: 'file', write: (data) => store(data) }
}

/** Builds a symlink. */
export function link(target: string): VLink {
  return { kind: 'link', target }
}

/** A tmpfs directory: entries live in memory and can be created by the shell. */
export function memDir(initial?: [string, VNode][]): VDir {
  const children = new Map<string, VNode>(initial ?? [])
  return {
    kind: 'dir',
    entries: () => children,
    create: (name, kind) => {
      const node = kind === 'dir' ? memDir() : memFile('')
      children.set(name, node)
      return node
    },
    remove: (name) => children.delete(name),
  }
}

/** A tmpfs file holding `content`. */
export function memFile(content: string): VFile {
  let data = content
  return {
    kind: 'file',
    read: () => data,
    write: (value, append) => {
      data = append ? data + value : value
    },
    truncate: () => {
      data = ''
    },
  }
}
