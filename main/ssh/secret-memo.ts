import type { SecretPrompt } from './auth'

/**
 * Remembers passphrases and passwords, in memory and for one connection only, so a reconnect
 * does not ask again. Answers are kept only once a connect succeeded with them (`commit`); a
 * remembered answer asked for twice is dropped and the user is asked. Keyboard-interactive
 * answers (often one-time codes) are never remembered.
 */
export class SecretMemo {
  private readonly kept = new Map<string, string>()
  private readonly pending = new Map<string, string>()
  private readonly served = new Set<string>()

  constructor(private readonly prompt: SecretPrompt) {}

  readonly ask: SecretPrompt = async (r) => {
    if (r.kind === 'keyboard-interactive') return this.prompt(r)
    const key = `${r.kind}\0${r.hop}\0${r.prompt}`
    const known = this.kept.get(key)
    if (known !== undefined && !this.served.has(key)) {
      this.served.add(key)
      return known
    }
    this.kept.delete(key)
    const answer = await this.prompt(r)
    if (answer !== null) this.pending.set(key, answer)
    return answer
  }

  /** A new connect attempt starts: every kept answer may be served once again. */
  round(): void {
    this.pending.clear()
    this.served.clear()
  }

  /** The connect succeeded: keep what was answered; start a fresh round. */
  commit(): void {
    for (const [k, v] of this.pending) this.kept.set(k, v)
    this.pending.clear()
    this.served.clear()
  }
}
