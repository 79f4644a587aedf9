import { createHash } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import ssh2 from 'ssh2'

/** An OpenSSH-format key pair. */
export interface KeyPair {
  readonly privateKey: string
  readonly publicKey: string
}

/**
 * Generates an ed25519 key pair (OpenSSH formats) with ssh2's generator.
 *
 * ssh2 1.17 occasionally emits a private key its own parser rejects ("Malformed OpenSSH
 * private key", seen about once in 50 keys), so every pair is parsed back and regenerated
 * until it round-trips.
 */
export function generateEd25519(comment: string): KeyPair {
  for (let attempt = 0; ; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment })
    const parsed = ssh2.utils.parseKey(pair.private)
    if (!(parsed instanceof Error) || attempt >= 20)
      return { privateKey: pair.private, publicKey: pair.public }
  }
}

/** SHA256 fingerprint as OpenSSH prints it: `SHA256:<base64 without padding>`. */
export function fingerprint(publicOrPrivateKey: string): string {
  const key = ssh2.utils.parseKey(publicOrPrivateKey)
  if (key instanceof Error) throw key
  const blob = key.getPublicSSH()
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`
}

/**
 * Writes the client identity to `<dir>/id_ed25519` (mode 0600) and `.pub`; returns the
 * absolute path of the private key.
 */
export async function writeIdentity(dir: string, pair: KeyPair): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, 'id_ed25519')
  await writeFile(path, pair.privateKey, { mode: 0o600 })
  await writeFile(`${path}.pub`, `${pair.publicKey}\n`, { mode: 0o644 })
  return path
}
