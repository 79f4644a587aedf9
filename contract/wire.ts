import { z } from 'zod'

import { LabErrorData } from './errors'

/**
 * The WebSocket front door's wire format (browser mode). The Electron front door carries the
 * same calls and events over IPC; only the framing differs.
 *
 * Text frames carry JSON `ClientMessage` / `ServerMessage`. Terminal output travels in binary
 * frames: a 4-byte big-endian header length, an ASCII JSON header `{streamId, seq}`, then the
 * raw bytes (no base64, no UTF-8 re-encoding of payloads).
 */

export const ClientMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('call'),
    id: z.number().int(),
    channel: z.string().max(64),
    request: z.unknown(),
  }),
])
export type ClientMessage = z.infer<typeof ClientMessage>

/**
 * Browser mode: the first text frame of a socket proves it belongs to the page that logged in.
 * The secret comes with the login redirect (URL fragment) and no cookie carries it
 * (main/web/sessions.ts). Until it arrives no call is answered and no event is sent.
 */
export const AuthMessage = z.object({ t: z.literal('auth'), secret: z.string().max(256) })
export type AuthMessage = z.infer<typeof AuthMessage>

/** Close code of a socket whose session ended (logged out, expired, bad secret): do not retry. */
export const SESSION_ENDED_CODE = 4401

export const ServerMessage = z.discriminatedUnion('t', [
  z.object({
    t: z.literal('result'),
    id: z.number().int(),
    result: z.union([
      z.object({ ok: z.literal(true), value: z.unknown() }),
      z.object({ ok: z.literal(false), error: LabErrorData }),
    ]),
  }),
  z.object({ t: z.literal('event'), channel: z.string(), payload: z.unknown() }),
])
export type ServerMessage = z.infer<typeof ServerMessage>

/** Header of a binary terminal-data frame. `streamId` is ASCII by construction. */
export interface DataFrameHeader {
  readonly streamId: string
  readonly seq: number
}

function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c > 0x7f) throw new Error('data frame header must be ASCII')
    out[i] = c
  }
  return out
}

/** Encodes one binary terminal-data frame. Throws on a non-ASCII header. */
export function encodeDataFrame(header: DataFrameHeader, payload: Uint8Array): Uint8Array {
  const head = asciiBytes(JSON.stringify({ streamId: header.streamId, seq: header.seq }))
  const out = new Uint8Array(4 + head.length + payload.length)
  new DataView(out.buffer).setUint32(0, head.length)
  out.set(head, 4)
  out.set(payload, 4 + head.length)
  return out
}

/** Decodes a binary frame; returns null when it is malformed (never throws). */
export function decodeDataFrame(
  frame: Uint8Array,
): { header: DataFrameHeader; payload: Uint8Array } | null {
  if (frame.length < 4) return null
  const headLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0)
  if (headLength > 1024 || 4 + headLength > frame.length) return null
  let text = ''
  for (let i = 4; i < 4 + headLength; i++) text += String.fromCharCode(frame[i] ?? 0)
  try {
    const parsed = z.object({ streamId: z.string(), seq: z.number().int() }).parse(JSON.parse(text))
    return { header: parsed, payload: frame.subarray(4 + headLength) }
  } catch {
    return null
  }
}
