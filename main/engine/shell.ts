import { quote } from 'shell-quote'

/**
 * Shell quoting for every command the engine sends. Words made only of characters that no POSIX
 * shell treats specially stay bare (so repro.sh reads like what a kernel developer types); all
 * else goes through shell-quote's `quote`.
 */

const SAFE_WORD = /^[A-Za-z0-9_.:/=@%+,-]+$/

/** Quotes one word for a POSIX shell; empty strings become `''`. */
export function shellArg(word: string): string {
  if (SAFE_WORD.test(word)) return word
  return quote([word])
}

/** Joins words into one command line, quoting each. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shellArg).join(' ')
}

/** `echo <value> > <path>`: the sysfs/debugfs write idiom of docs/domain.md §2.10, both sides quoted. */
export function echoTo(value: string, path: string): string {
  return `echo ${shellArg(value)} > ${shellArg(path)}`
}

/** Lock key of a devlink handle: every char outside `[A-Za-z0-9.-]` becomes `_`. */
export function lockKey(handle: string): string {
  return handle.replace(/[^A-Za-z0-9.-]/g, '_')
}

/** Keeps an owner part to `[A-Za-z0-9_.@-]` (at most 64 chars) so it cannot leave the quotes. */
function ownerPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 64) || 'unknown'
}

/**
 * The owner line of the remote lock: `<user> from <console host> since <ISO time>`. Characters
 * that could leave the single quotes of the lock command (or confuse a reader) become `_`.
 */
export function lockOwner(user: string, host: string, sinceMs: number): string {
  return `${ownerPart(user)} from ${ownerPart(host)} since ${new Date(sinceMs).toISOString()}`
}

/**
 * The remote advisory lock command, exactly as labsim implements it: flock(1) on
 * `/run/replab/<key>.lock`, exit 75 when held, prints `locked` then holds while the channel lives.
 */
export function lockCommand(handle: string, owner: string): string {
  const key = lockKey(handle)
  return (
    `mkdir -p /run/replab && flock -n -E 75 /run/replab/${key}.lock sh -c ` +
    `'echo "$0" > /run/replab/${key}.owner && echo locked && exec cat' '${owner}'`
  )
}

/** Reads the owner file of a held lock. */
export function lockOwnerCommand(handle: string): string {
  return `cat /run/replab/${lockKey(handle)}.owner`
}
