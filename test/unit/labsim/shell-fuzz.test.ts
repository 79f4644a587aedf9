import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { testHost } from './sim'

// "Bad input gets a typed error, never a crash": arbitrary token soup through the interpreter
// (no loops or followers, so every case terminates) must end with an exit status, not a throw.
const tokens = [
  'echo',
  'printf',
  '"%s"',
  'cat',
  'ls',
  'devlink',
  '-j',
  'port',
  'show',
  'dev',
  'eswitch',
  'set',
  'mode',
  'switchdev',
  'pci/0000:08:00.0',
  'rdma',
  'link',
  'ip',
  'lspci',
  '-nn',
  'grep',
  'x',
  '|',
  ';',
  '&&',
  '||',
  '>',
  '2>&1',
  '<',
  '(',
  ')',
  '{',
  '}',
  '$(',
  '`',
  "'",
  '"',
  '$',
  '${',
  '}',
  '#',
  '*',
  '/sys/bus/pci/devices/*',
  '[',
  ']',
  'if',
  'then',
  'fi',
  'case',
  'in',
  'esac',
  'for',
  'do',
  'done',
  '$((1+',
  '))',
  'readlink',
  'basename',
  'test',
  '-e',
  'exit',
  'sh',
  '-c',
  'timeout',
  '0.01',
  'flock',
  '/tmp/l',
  'mkdir',
  '-p',
  '\\',
  '\n',
  '&',
  'kill',
  '$!',
  '$?',
  '$$',
  'modprobe',
  '-r',
  'mlx5_ib',
]

describe('interpreter robustness (property test)', () => {
  it('never throws on arbitrary token sequences', async () => {
    const { run } = testHost()
    await fc.assert(
      fc.asyncProperty(fc.array(fc.constantFrom(...tokens), { maxLength: 12 }), async (parts) => {
        const result = await run(parts.join(' '))
        expect(Number.isInteger(result.code)).toBe(true)
        expect(result.code).toBeGreaterThanOrEqual(0)
        expect(result.code).toBeLessThanOrEqual(255)
      }),
      { numRuns: 300 },
    )
  }, 60_000)

  it("a malformed grep pattern is grep's usage error (exit 2), not a crash (found by the property above)", async () => {
    const { run } = testHost()
    const r = await run("echo x | grep '['")
    expect(r.code).toBe(2)
    const chained = await run("grep '[' /dev/null; echo after $?")
    expect(chained.code).toBe(0)
  })
})
