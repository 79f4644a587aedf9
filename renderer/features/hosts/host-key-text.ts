/**
 * Text of the host-key dialog that must be exactly right at a trust decision: which jump host
 * (if any) a key belongs to, and the `ssh-keygen -lf` file to compare it with on the host.
 */

/** The jump host being verified (`user@host:port`), or null when the key is the target's own. */
export function jumpHostOf(
  prompt: { host: string; port: number; hop: string },
  config: { host: string; port: number; proxyJump?: string | undefined },
): string | null {
  if (!config.proxyJump) return null
  const target = prompt.host === config.host && prompt.port === config.port
  return target ? null : prompt.hop
}

/**
 * The public host key file OpenSSH's sshd keeps for a key type (sshd(8) FILES):
 * `ssh-ed25519` → `/etc/ssh/ssh_host_ed25519_key.pub`; RSA signature names map to rsa.
 */
export function hostKeyFile(keyType: string): string {
  const t = keyType.toLowerCase()
  const kind = t.includes('ed25519')
    ? 'ed25519'
    : t.startsWith('ecdsa')
      ? 'ecdsa'
      : t.includes('dss')
        ? 'dsa'
        : t.includes('rsa')
          ? 'rsa'
          : t.replace(/^ssh-/, '')
  return `/etc/ssh/ssh_host_${kind}_key.pub`
}
