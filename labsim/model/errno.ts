/**
 * Kernel error numbers as the model raises them, with the strerror(3) text glibc prints.
 *
 * Source: glibc `strerror` strings (what `echo`, `cat` and iproute2's `kernel answers:` print).
 */
export const strerror = {
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  ENODEV: 'No such device',
  EBUSY: 'Device or resource busy',
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EOPNOTSUPP: 'Operation not supported',
  EEXIST: 'File exists',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  ENOSPC: 'No space left on device',
  ECANCELED: 'Operation canceled',
  ETIMEDOUT: 'Connection timed out',
  EAGAIN: 'Resource temporarily unavailable',
  EINTR: 'Interrupted system call',
} as const

/** One errno name, e.g. `EBUSY`. */
export type Errno = keyof typeof strerror

/**
 * An error the simulated kernel returns to a syscall (write to sysfs, netlink request).
 *
 * `extack` is the netlink extended-ack message (iproute2 prints it as `Error: <extack>.`),
 * `warning` a non-fatal extack (`Warning: <msg>.`).
 */
export class KernelError extends Error {
  readonly errno: Errno
  readonly extack: string | undefined
  constructor(errno: Errno, extack?: string) {
    super(extack ?? strerror[errno])
    this.errno = errno
    this.extack = extack
  }
}

/** Throws a `KernelError` (convenience for one-line guards). */
export function fail(errno: Errno, extack?: string): never {
  throw new KernelError(errno, extack)
}
