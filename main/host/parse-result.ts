import type { ParseIssue } from '../../contract/snapshot'

/**
 * Shared plumbing of the pure parsers: a result type that is either typed data or a typed
 * `ParseIssue`, and small JSON/record helpers that never throw.
 */

/** Where an output came from: named in every `ParseIssue`. */
export interface ParseContext {
  /** `user@host:port` or the host name. */
  readonly host: string
  /** The exact command whose output is parsed. */
  readonly command: string
}

/** Either parsed data or the reason it did not parse. */
export type ParseResult<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly issue: ParseIssue }

/** A JSON value as `JSON.parse` returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A JSON object. */
export type JsonObject = { [key: string]: Json }

/** Wraps a value as a successful result. */
export function ok<T>(value: T): ParseResult<T> {
  return { ok: true, value }
}

/**
 * Builds a failed result: `excerpt` is the first ≤80 characters of `text` from `offset`
 * (UTF-16 units), so the message shows the offending bytes.
 */
export function fail<T>(
  ctx: ParseContext,
  message: string,
  text: string,
  offset = 0,
): ParseResult<T> {
  return { ok: false, issue: parseIssue(ctx, message, text, offset) }
}

/** The `ParseIssue` of `fail`, for callers that collect issues rather than results. */
export function parseIssue(
  ctx: ParseContext,
  message: string,
  text: string,
  offset = 0,
): ParseIssue {
  const at = Math.max(0, Math.min(offset, text.length))
  return {
    code: 'parse-error',
    host: ctx.host,
    command: ctx.command,
    message,
    excerpt: text.slice(at, at + 80),
    offset: at,
  }
}

/**
 * `JSON.parse` that never throws: a syntax error becomes a `parse-error` whose offset is the
 * position V8 reports (`… at position N`), or 0. Empty output is an error too.
 */
export function parseJson(ctx: ParseContext, text: string): ParseResult<Json> {
  if (text.trim() === '') return fail(ctx, 'empty output where JSON was expected', text)
  try {
    return ok(JSON.parse(text) as Json)
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const m = /position (\d+)/.exec(message)
    return fail(ctx, `invalid JSON: ${message}`, text, m?.[1] === undefined ? 0 : Number(m[1]))
  }
}

/** True for a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `obj[key]` when it is a string. */
export function str(obj: JsonObject, key: string): string | undefined {
  const v = obj[key]
  return typeof v === 'string' ? v : undefined
}

/** `obj[key]` when it is a finite integer (JSON number). */
export function int(obj: JsonObject, key: string): number | undefined {
  const v = obj[key]
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined
}

/** What a devlink u64 `"unlimited"` (-1) becomes: JSON- and zod-safe, larger than any real value. */
export const UNLIMITED = Number.MAX_SAFE_INTEGER

/**
 * A devlink u64: a JSON number, or the string `"unlimited"` that iproute2 prints for `-1`
 * (`pr_out_u64`, reference/domain.md §2). `unlimited` and values above 2^53-1 map to
 * `UNLIMITED` (Number.MAX_SAFE_INTEGER) so snapshots stay valid JSON.
 */
export function u64(obj: JsonObject, key: string): number | undefined {
  const v = obj[key]
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) return Math.min(v, UNLIMITED)
  if (v === 'unlimited') return UNLIMITED
  return undefined
}

/** `obj[key]` when it is a boolean. */
export function bool(obj: JsonObject, key: string): boolean | undefined {
  const v = obj[key]
  return typeof v === 'boolean' ? v : undefined
}

/**
 * Unwraps devlink's `{"<section>": {...}}` envelope (reference/domain.md §2) and returns the
 * inner object keyed by handle. Fails when the section is missing or not an object.
 */
export function devlinkSection(
  ctx: ParseContext,
  text: string,
  section: string,
): ParseResult<JsonObject> {
  const parsed = parseJson(ctx, text)
  if (!parsed.ok) return parsed
  const root = parsed.value
  if (!isObject(root)) return fail(ctx, `expected a JSON object with "${section}"`, text)
  const inner = root[section]
  if (inner === undefined) return fail(ctx, `missing "${section}" section`, text)
  if (!isObject(inner)) return fail(ctx, `"${section}" is not an object`, text)
  return ok(inner)
}

/** Splits `bus/dev/index` into the device handle and the port index, or null. */
export function splitPortHandle(key: string): { handle: string; index: number } | null {
  const slash = key.lastIndexOf('/')
  if (slash <= 0) return null
  const tail = key.slice(slash + 1)
  if (!/^\d{1,10}$/.test(tail)) return null
  const handle = key.slice(0, slash)
  if (!handle.includes('/')) return null
  return { handle, index: Number(tail) }
}
