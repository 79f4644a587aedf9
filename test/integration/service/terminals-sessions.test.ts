import { describe, expect, it } from 'vitest'

import { useTerminalRig } from '../../helpers/terminal-rig'

// A terminal stream belongs to the front-door session that opened it (one Electron window or one
// WebSocket). Another session must not type into it, stop it, resize it, ack it or close it: the
// back end answers `not-found`, exactly as for an id that never existed, and the pane goes on.

const HOST = 'sim-a'
const PROMPT = `root@${HOST}:~# `

describe('terminal streams are per session', () => {
  const rig = useTerminalRig({ hosts: 1, speed: 0.02 }, HOST)

  it("refuses another session's input, Ctrl-C, resize, ack and close on a shell", async () => {
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: HOST,
      kind: 'shell',
      cols: 80,
      rows: 24,
    })
    await rig.until(
      'the prompt',
      () => rig.session.text(streamId).includes(PROMPT),
      30_000,
      streamId,
    )
    const intruder = { sessionId: 's2', signal: new AbortController().signal }
    const attempts: Array<[string, unknown]> = [
      ['terminals:input', { streamId, data: 'echo intruder-was-here\r' }],
      ['terminals:interrupt', { streamId }],
      ['terminals:resize', { streamId, cols: 20, rows: 5 }],
      ['terminals:ack', { streamId, bytes: 1000, lines: 1 }],
    ]
    for (const [channel, request] of attempts) {
      const r = await rig.backend.dispatcher.dispatch(channel, request, intruder)
      expect(r.ok, channel).toBe(false)
      if (!r.ok) expect(r.error.code, channel).toBe('not-found')
    }
    // close answers ok (closing an unknown pane is a no-op) but must leave this one open.
    const closed = await rig.backend.dispatcher.dispatch('terminals:close', { streamId }, intruder)
    expect(closed.ok).toBe(true)

    // The owner's shell is untouched: nothing typed, still open, still answering.
    await rig.call('terminals:input', { streamId, data: 'echo owner-$((40+2))\r' })
    await rig.until(
      'the owner echo',
      () => rig.session.text(streamId).includes('owner-42'),
      30_000,
      streamId,
    )
    expect(rig.session.text(streamId)).not.toContain('intruder-was-here')
    expect(
      rig.session.statuses.filter((s) => s.streamId === streamId).map((s) => s.state),
    ).not.toContain('closed')
    await rig.call('terminals:close', { streamId })
    await rig.until('the owner close', () =>
      rig.session.statuses.some((s) => s.streamId === streamId && s.state === 'closed'),
    )
  })

  it("refuses the owner's ack of more bytes than were sent, or of more lines than bytes", async () => {
    const { streamId } = await rig.call<{ streamId: string }>('terminals:open', {
      hostId: HOST,
      kind: 'shell',
      cols: 80,
      rows: 24,
    })
    await rig.until(
      'the prompt',
      () => rig.session.text(streamId).includes(PROMPT),
      30_000,
      streamId,
    )
    const owner = { sessionId: 's1', signal: new AbortController().signal }
    // The rig acks what it receives (asynchronously): far less than 1 MB is ever outstanding.
    const over = await rig.backend.dispatcher.dispatch(
      'terminals:ack',
      { streamId, bytes: 1_000_000 },
      owner,
    )
    expect(over.ok ? 'ok' : over.error).toMatchObject({
      code: 'invalid-request',
      message: expect.stringMatching(/ack of 1000000 bytes exceeds the \d+ sent and not acked/),
    })
    const lines = await rig.backend.dispatcher.dispatch(
      'terminals:ack',
      { streamId, bytes: 0, lines: 3 },
      owner,
    )
    expect(lines.ok ? 'ok' : lines.error).toMatchObject({ code: 'invalid-request' })
    await rig.call('terminals:close', { streamId })
  })
})
