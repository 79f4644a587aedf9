import { callsByChannel, events, eventsByChannel } from '../../contract/api'
import type { IpcResult } from '../../contract/errors'
import { ServerMessage, decodeDataFrame } from '../../contract/wire'

const callDefs = callsByChannel()
const eventDefs = eventsByChannel()

/** What one incoming frame means to the client. */
export type Incoming =
  | { kind: 'result'; id: number; result: IpcResult<unknown> }
  | { kind: 'event'; channel: string; payload: unknown }
  | { kind: 'ignored'; reason: string }

/**
 * Decodes a text frame (`ServerMessage` JSON) given the channel of the pending call with that
 * id. Results are validated with the call's response schema (a mismatch becomes an `internal`
 * error result naming the channel), events with their payload schema (a mismatch is ignored).
 * Never throws.
 */
export function decodeText(text: string, channelOf: (id: number) => string | undefined): Incoming {
  let msg: ServerMessage
  try {
    msg = ServerMessage.parse(JSON.parse(text))
  } catch {
    return { kind: 'ignored', reason: 'not a ServerMessage' }
  }
  if (msg.t === 'event') {
    const parsed = eventDefs.get(msg.channel)?.payload.safeParse(msg.payload)
    if (!parsed?.success) return { kind: 'ignored', reason: `bad event ${msg.channel}` }
    return { kind: 'event', channel: msg.channel, payload: parsed.data }
  }
  if (!msg.result.ok) return { kind: 'result', id: msg.id, result: msg.result }
  const channel = channelOf(msg.id)
  const parsed = channel ? callDefs.get(channel)?.response.safeParse(msg.result.value) : undefined
  if (parsed && !parsed.success) {
    const message = `response to ${channel} does not match the contract`
    return {
      kind: 'result',
      id: msg.id,
      result: { ok: false, error: { code: 'internal', message } },
    }
  }
  return {
    kind: 'result',
    id: msg.id,
    result: { ok: true, value: parsed ? parsed.data : msg.result.value },
  }
}

/** Decodes a binary terminal-data frame into a `terminals:data` event; ignored when malformed. */
export function decodeBinary(data: ArrayBuffer | Uint8Array): Incoming {
  const frame = decodeDataFrame(data instanceof Uint8Array ? data : new Uint8Array(data))
  if (!frame) return { kind: 'ignored', reason: 'malformed data frame' }
  return {
    kind: 'event',
    channel: events.terminalData.channel,
    payload: { ...frame.header, data: frame.payload },
  }
}
