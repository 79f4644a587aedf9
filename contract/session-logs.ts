import { z } from 'zod'

import { HostId } from './hosts'

/**
 * Past terminal session logs (issue 18): the files under `<data dir>/logs/<host>/`, listed and
 * read read-only. A name is a plain file name (no `/`, no leading `.`); the back end also
 * refuses anything that is not a regular file inside that folder (a symlink out of it).
 */

/** A plain file name inside the host's log folder. */
export const SessionLogName = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.,:+=@-]{0,254}$/, 'a plain file name')

export const SessionLogFile = z.object({
  name: SessionLogName,
  /** Size in bytes. */
  bytes: z.number().int(),
  /** ISO time of the last write. */
  modifiedAt: z.string(),
})
export type SessionLogFile = z.infer<typeof SessionLogFile>

/** Largest piece of a log one read returns, bytes. */
export const SESSION_LOG_WINDOW = 1024 * 1024

export const SessionLogReadRequest = z.object({
  hostId: HostId,
  name: SessionLogName,
  /** First byte wanted; omitted: the last `length` bytes (the tail). */
  offset: z.number().int().min(0).optional(),
  length: z.number().int().min(1).max(SESSION_LOG_WINDOW).default(SESSION_LOG_WINDOW),
})
export type SessionLogReadRequest = z.infer<typeof SessionLogReadRequest>

/**
 * A piece of a log: bytes `offset`..`end` of a file of `size` bytes, cut to whole lines (except
 * at the file's own ends), as UTF-8 text with the terminal's escape sequences kept.
 */
export const SessionLogChunk = z.object({
  name: SessionLogName,
  size: z.number().int(),
  offset: z.number().int(),
  end: z.number().int(),
  text: z.string(),
})
export type SessionLogChunk = z.infer<typeof SessionLogChunk>
