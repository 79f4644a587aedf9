import { readFile } from 'node:fs/promises'
import ssh2 from 'ssh2'

// ssh2 is CommonJS: Node's ESM loader only sees `Client` as a named export, so `utils` must come
// from the default export (vitest's transform hides this; the real CLI under tsx does not).
const { utils } = ssh2
import type { AnyAuthMethod, AuthHandlerMiddleware, ParsedKey } from 'ssh2'
import { sshError } from './errors'

/**
 * Client authentication in OpenSSH's order: ssh-agent, identity files (ed25519, ECDSA, RSA;
 * encrypted ones unlocked through a passphrase callback), keyboard-interactive, password.
 * Secrets only ever go into ssh2; nothing here logs or stores them.
 */

/** Asks the user (UI or terminal) for a secret. Resolve `null` to skip this method. */
export type SecretPrompt = (request: SecretRequest) => Promise<string | null>

/** What is being asked. `hop` is `user@host:port`; `keyFile` names the key for passphrases. */
export interface SecretRequest {
  readonly kind: 'passphrase' | 'password' | 'keyboard-interactive'
  readonly hop: string
  /** The key file (passphrase) or the server's prompt text (keyboard-interactive). */
  readonly prompt: string
  /** For keyboard-interactive: whether the answer may be echoed. */
  readonly echo?: boolean
}

/** Authentication settings of one connection. */
export interface AuthOptions {
  /** Agent socket; default `process.env.SSH_AUTH_SOCK`; `null` disables the agent. */
  readonly agent?: string | null
  /** Asked for key passphrases, passwords and keyboard-interactive answers. */
  readonly prompt?: SecretPrompt
  /** Password known in advance (e.g. from a `SecretStore`); tried before prompting. */
  readonly password?: string
  /**
   * Unlocked keys by file path, shared by the attempts of one connection so a reconnect neither
   * re-prompts nor re-runs the bcrypt KDF (ssh2's parseKey is synchronous: ~1 s of blocked event
   * loop per encrypted key at OpenSSH's default 16 rounds). In memory only.
   */
  readonly keyCache?: Map<string, ParsedKey>
}

interface KeyFile {
  readonly path: string
  readonly data: Buffer
}

async function readKeys(
  paths: readonly string[],
  required: boolean,
  hop: string,
): Promise<KeyFile[]> {
  const out: KeyFile[] = []
  for (const path of paths) {
    try {
      out.push({ path, data: await readFile(path) })
    } catch (err) {
      if (required && (err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw sshError(
          'ssh-auth',
          hop,
          `cannot read identity file ${path}: ${(err as Error).message}`,
        )
      }
    }
  }
  return out
}

function isEncryptedError(e: Error): boolean {
  return /encrypted|passphrase/i.test(e.message)
}

/**
 * Parses a private key, asking for its passphrase up to 3 times like ssh(1).
 * Returns null when the user declines; raises `ssh-auth` for an unreadable key format.
 */
async function unlockKey(
  key: KeyFile,
  hop: string,
  prompt?: SecretPrompt,
): Promise<ParsedKey | null> {
  const plain = utils.parseKey(key.data)
  if (!(plain instanceof Error)) return plain
  if (!isEncryptedError(plain)) {
    throw sshError('ssh-auth', hop, `cannot parse identity file ${key.path}: ${plain.message}`)
  }
  if (!prompt) return null
  for (let i = 0; i < 3; i++) {
    const pass = await prompt({ kind: 'passphrase', hop, prompt: key.path })
    if (pass === null) return null
    const parsed = utils.parseKey(key.data, pass)
    if (!(parsed instanceof Error)) return parsed
  }
  throw sshError('ssh-auth', hop, `wrong passphrase for ${key.path} (3 attempts)`)
}

type Step = (left: readonly string[]) => Promise<AnyAuthMethod | null>

function agentStep(user: string, sock: string): Step {
  return async (left) =>
    allowed(left, 'publickey') ? { type: 'agent', username: user, agent: sock } : null
}

function keyStep(user: string, hop: string, key: KeyFile, o: AuthOptions): Step {
  return async (left) => {
    if (!allowed(left, 'publickey')) return null
    const cacheKey = `${key.path}\0${key.data.toString('base64')}`
    const parsed = o.keyCache?.get(cacheKey) ?? (await unlockKey(key, hop, o.prompt))
    if (parsed) o.keyCache?.set(cacheKey, parsed)
    return parsed === null ? null : { type: 'publickey', username: user, key: parsed }
  }
}

function kbdStep(user: string, hop: string, prompt: SecretPrompt): Step {
  return async (left) => {
    if (!allowed(left, 'keyboard-interactive')) return null
    return {
      type: 'keyboard-interactive',
      username: user,
      prompt: (_name, _instr, _lang, prompts, finish) => {
        void (async () => {
          const answers: string[] = []
          for (const p of prompts) {
            const a = await prompt({
              kind: 'keyboard-interactive',
              hop,
              prompt: p.prompt,
              echo: p.echo ?? false,
            })
            answers.push(a ?? '')
          }
          finish(answers)
        })()
      },
    }
  }
}

function passwordStep(user: string, hop: string, o: AuthOptions): Step {
  return async (left) => {
    if (!allowed(left, 'password')) return null
    const pw =
      o.password ??
      (o.prompt ? await o.prompt({ kind: 'password', hop, prompt: `${hop}'s password:` }) : null)
    return pw === null ? null : { type: 'password', username: user, password: pw }
  }
}

function allowed(left: readonly string[], method: string): boolean {
  return left.length === 0 || left.includes(method)
}

/**
 * Builds ssh2's `authHandler` for `user` at `hop`. Identity files that do not exist are skipped
 * when they are OpenSSH's defaults (`defaultIdentities`), an error otherwise only if unreadable.
 * Raises (through the returned promise chain) `ssh-auth` for unparsable keys or bad passphrases.
 */
export async function buildAuthHandler(
  hop: {
    readonly label: string
    readonly user: string
    readonly identityFiles: readonly string[]
    readonly defaultIdentities: boolean
  },
  options: AuthOptions,
  onError: (err: Error) => void,
): Promise<AuthHandlerMiddleware> {
  const sock = options.agent === undefined ? process.env['SSH_AUTH_SOCK'] : options.agent
  const keys = await readKeys(hop.identityFiles, !hop.defaultIdentities, hop.label)
  const steps: Step[] = []
  if (sock) steps.push(agentStep(hop.user, sock))
  for (const k of keys) steps.push(keyStep(hop.user, hop.label, k, options))
  if (options.prompt) steps.push(kbdStep(hop.user, hop.label, options.prompt))
  if (options.password !== undefined || options.prompt)
    steps.push(passwordStep(hop.user, hop.label, options))
  let i = 0
  return (methodsLeft, _partial, next) => {
    const left = methodsLeft ?? []
    void (async () => {
      while (i < steps.length) {
        const step = steps[i++]
        const m = step ? await step(left) : null
        if (m) return next(m)
      }
      next(false as never)
    })().catch((err: unknown) => {
      onError(err instanceof Error ? err : new Error(String(err)))
      next(false as never)
    })
  }
}
