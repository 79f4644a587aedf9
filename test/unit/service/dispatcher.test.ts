import fc from 'fast-check'
import { describe, expect, it } from 'vitest'

import { callsByChannel, labError } from '../../../contract'
import { Dispatcher } from '../../../main/service/dispatcher'
import { stubHandlers } from '../../helpers/stub-handlers'

const ctx = { sessionId: 'test', signal: new AbortController().signal }

describe('Dispatcher', () => {
  it('answers invalid-request for every channel fed random shapes, and never throws', async () => {
    let handled = 0
    const dispatcher = new Dispatcher(
      new Proxy(stubHandlers(), {
        get: (target, domain: string) =>
          new Proxy((target as unknown as Record<string, object>)[domain]!, {
            get: () => async () => {
              handled++
              throw labError('unsupported', 'reached a handler')
            },
          }),
      }),
    )
    const channels = [...callsByChannel().keys()]
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...channels), fc.anything(), async (channel, request) => {
        const result = await dispatcher.dispatch(channel, request, ctx)
        expect(result.ok).toBe(false)
        if (!result.ok) expect(['invalid-request', 'unsupported']).toContain(result.error.code)
      }),
      { numRuns: 2000 },
    )
    // Most random values fail validation; the few valid ones reach the handler as typed errors.
    expect(handled).toBeLessThan(2000)
  })

  it('answers invalid-request for unknown channels and non-string channel names', async () => {
    const dispatcher = new Dispatcher(stubHandlers())
    for (const channel of [
      'nope',
      '',
      42,
      null,
      { toString: () => 'hosts:list' },
      'hosts:list\n',
    ]) {
      const r = await dispatcher.dispatch(channel, {}, ctx)
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-request' } })
    }
  })

  it('turns a handler response that breaks the contract into an internal error', async () => {
    const dispatcher = new Dispatcher(
      stubHandlers({ hosts: { list: async () => [{ bogus: true }] as never } }),
    )
    const r = await dispatcher.dispatch('hosts:list', {}, ctx)
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } })
  })

  it('passes typed handler errors through as data', async () => {
    const dispatcher = new Dispatcher(
      stubHandlers({
        hosts: {
          connect: async () => {
            throw labError('ssh-auth', 'root@127.0.0.1:22: all methods failed', {
              host: 'root@127.0.0.1:22',
            })
          },
        },
      }),
    )
    const r = await dispatcher.dispatch('hosts:connect', { hostId: 'sim-a' }, ctx)
    expect(r).toEqual({
      ok: false,
      error: {
        code: 'ssh-auth',
        message: 'root@127.0.0.1:22: all methods failed',
        host: 'root@127.0.0.1:22',
      },
    })
  })
})
