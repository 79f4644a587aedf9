import { crc32 } from 'node:zlib'

/**
 * Checksummed journal lines. Each line the engine writes is a JSON object whose last member is
 * `"crc32":"<8 hex>"`: the CRC-32 (zlib) of the line's JSON text without that member, so one
 * changed byte anywhere in the line is seen on reading, and the line stays plain JSON for `jq`.
 * Lines written before checksums existed carry none; they are accepted only before the first
 * sealed line (an older journal resumed by this replab), never after it.
 */

const SEAL = /,"crc32":"([0-9a-f]{8})"\}$/

/** The CRC-32 of `text` (UTF-8), 8 lowercase hex digits. */
function checksum(text: string): string {
  return crc32(text).toString(16).padStart(8, '0')
}

/** Appends the checksum member to one JSON object text (`{…}` from `JSON.stringify`). */
export function sealLine(json: string): string {
  if (!json.endsWith('}') || json === '{}') return json
  return `${json.slice(0, -1)},"crc32":"${checksum(json)}"}`
}

/** True when `line` carries a checksum member (well-formed or not). */
export function isSealed(line: string): boolean {
  return SEAL.test(line)
}

/** Outcome of opening one line: its JSON text, or why it cannot be trusted. */
export type OpenedLine = { ok: true; json: string } | { ok: false; reason: string }

/**
 * Verifies and strips the checksum of one line. `sealedJournal` says whether an earlier line of
 * the journal was sealed: then an unsealed line is damaged ("checksum missing").
 */
export function openLine(line: string, sealedJournal: boolean): OpenedLine {
  const m = SEAL.exec(line)
  if (!m)
    return sealedJournal ? { ok: false, reason: 'checksum missing' } : { ok: true, json: line }
  const json = `${line.slice(0, m.index)}}`
  if (checksum(json) !== m[1]) return { ok: false, reason: 'checksum mismatch' }
  return { ok: true, json }
}

/** The entry type a (possibly damaged) line claims in its head `{"t":"<kind>"`, if readable. */
export function claimedKind(line: string): string | undefined {
  return /^\{"t":"([a-z]{1,20})"/.exec(line)?.[1]
}
