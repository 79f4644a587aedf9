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

/**
 * Either parsed data or the reason it did not parse. Data may come with `issues`: parts of the
 * output that were skipped (one bad element), so one bad entry never empties a whole section.
 */
export type ParseResult<T> =
  | { readonly ok: true; readonly value: T; readonly issues?: readonly ParseIssue[] }
  | { readonly ok: false; readonly issue: ParseIssue }

/** A JSON value as `JSON.parse` returns it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

/** A JSON object. */
export type JsonObject = { [key: string]: Json }

/** Wraps a value as a successful result, with the issues of what was skipped, if any. */
export function ok<T>(value: T, issues: readonly ParseIssue[] = []): ParseResult<T> {
  return issues.length > 0 ? { ok: true, value, issues } : { ok: true, value }
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

// eslint-disable-next-line no-control-regex -- finding raw control characters is the point
const RAW_CONTROL = /[\x00-\x08\x0b\x0c\x0e-\x1f]/

/**
 * iproute2's json_writer (lib/json_writer.c `jsonw_puts`) escapes only `"`, `\`, `\b`, `\f`,
 * `\n`, `\r` and `\t` and prints every other control character raw, so an interface named
 * `a\e[2Kb` makes `ip -j link`, `devlink -j port` and `rdma -j link` print invalid JSON
 * (test/fixtures/hostile/ip_j_d_link_show_ctrl_names.txt, iproute2 6.1). This writes the raw
 * C0 controls found inside strings as `\u00XX`, so the text parses and the name keeps its
 * bytes; text without them is returned as is (one native regex test).
 */
export function escapeRawControls(text: string): string {
  if (!RAW_CONTROL.test(text)) return text
  let out = ''
  let last = 0
  let inString = false
  let escape = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (!inString) {
      if (c === 0x22) inString = true
    } else if (escape) escape = false
    else if (c === 0x5c) escape = true
    else if (c === 0x22) inString = false
    else if (c < 0x20) {
      out += `${text.slice(last, i)}\\u${c.toString(16).padStart(4, '0')}`
      last = i + 1
    }
  }
  return out + text.slice(last)
}

/** `JSON.parse` of tool output (raw controls decoded, `escapeRawControls`); never throws. */
export function parseJsonText(
  text: string,
): { ok: true; value: Json } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(escapeRawControls(text)) as Json }
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) }
  }
}

/**
 * `JSON.parse` that never throws: a syntax error becomes a `parse-error` whose offset is the
 * position V8 reports (`… at position N`), or 0. Empty output is an error too. Control
 * characters iproute2 prints raw inside strings are decoded first (`escapeRawControls`).
 */
export function parseJson(ctx: ParseContext, text: string): ParseResult<Json> {
  if (text.trim() === '') return fail(ctx, 'empty output where JSON was expected', text)
  const parsed = parseJsonText(text)
  if (parsed.ok) return ok(parsed.value)
  const m = /position (\d+)/.exec(parsed.message)
  return fail(ctx, `invalid JSON: ${parsed.message}`, text, m?.[1] === undefined ? 0 : Number(m[1]))
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
 * (`pr_out_u64`, docs/domain.md §2). `unlimited` and values above 2^53-1 map to
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
 * Unwraps devlink's `{"<section>": {...}}` envelope (docs/domain.md §2) and returns the
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
