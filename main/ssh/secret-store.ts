/**
 * Where remembered secrets (passwords, key passphrases) live. main/ssh only defines the port;
 * main/app implements it with Electron `safeStorage`. The implementation MUST refuse to persist
 * (throw, or return `false` from `canPersist`) when `safeStorage.getSelectedStorageBackend()`
 * is `basic_text` (Linux without a keyring: the "encryption" is a hard-coded key), and must never
 * write a secret in plain text. Secrets never cross to the renderer.
 */
export interface SecretStore {
  /** Whether secrets can be stored encrypted on this machine. */
  canPersist(): Promise<boolean>
  /** The secret for `id` (e.g. `password:user@host:port`, `passphrase:/path/key`), or undefined. */
  get(id: string): Promise<string | undefined>
  /** Stores a secret encrypted. Raises when `canPersist()` is false. */
  set(id: string, secret: string): Promise<void>
  /** Forgets a secret. */
  delete(id: string): Promise<void>
}

/** The id under which a hop's password is stored. */
export function passwordSecretId(label: string): string {
  return `password:${label}`
}

/** The id under which a key file's passphrase is stored. */
export function passphraseSecretId(keyFile: string): string {
  return `passphrase:${keyFile}`
}
