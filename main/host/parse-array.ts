import { createJsonSplitter } from './json-splitter'
import {
  fail,
  isObject,
  ok,
  parseIssue,
  parseJson,
  type JsonObject,
  type ParseContext,
  type ParseResult,
} from './parse-result'
import type { ParseIssue } from '../../contract/snapshot'

/**
 * A top-level JSON array of objects (`ip -j link`, `rdma -j link`, `rdma -j dev`) read element
 * by element: one element that is not an object, or that does not parse at all, is skipped with
 * a `ParseIssue` naming it, and every other element is kept. So a netdev whose name broke the
 * JSON never empties the whole section (and with it every netdev a drill compares).
 */
export function parseObjectArray(ctx: ParseContext, text: string): ParseResult<JsonObject[]> {
  const parsed = parseJson(ctx, text)
  if (parsed.ok) {
    if (!Array.isArray(parsed.value)) return fail(ctx, 'expected a JSON array', text)
    return objectsOf(ctx, parsed.value, text)
  }
  if (!text.trimStart().startsWith('[')) return parsed
  // The whole text does not parse: cut it into elements and keep those that do.
  const values: unknown[] = []
  const issues: ParseIssue[] = [parsed.issue]
  const splitter = createJsonSplitter({
    onValue: (v) => values.push(v),
    onGarbage: (raw) =>
      issues.push(parseIssue(ctx, 'array element does not parse: skipped', raw, 0)),
  })
  splitter.push(text)
  splitter.end()
  if (values.length === 0) return parsed
  const items = objectsOf(ctx, values, text)
  return items.ok ? ok(items.value, [...issues, ...(items.issues ?? [])]) : items
}

function objectsOf(ctx: ParseContext, values: readonly unknown[], text: string) {
  const items: JsonObject[] = []
  const issues: ParseIssue[] = []
  values.forEach((item, i) => {
    if (isObject(item)) items.push(item)
    else issues.push(parseIssue(ctx, `array element ${i} is not an object: skipped`, text))
  })
  return ok(items, issues)
}
