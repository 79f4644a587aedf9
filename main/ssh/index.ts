/**
 * main/ssh public API: resolve a target (ssh_config, -F/-i/-J), connect with verified host keys,
 * and use the connection as a `CommandRunner` (exec/stream), plus shells and a per-host pool.
 */
export type { AuthOptions, SecretPrompt, SecretRequest } from './auth'
export { ChannelLimiter } from './channel-limiter'
export { MAX_EXEC_OUTPUT } from './channels'
export type { ChannelHost } from './channels'
export { captureExec } from './exec-capture'
export type { CapturedExec, CaptureOptions } from './exec-capture'
export type { ConnectOptions } from './connect-hop'
export { connectHost, SshConnection } from './connection'
export type { ConnectHostOptions, ReconnectOptions, StateListener } from './connection'
export { classifySsh2Error, sshError, targetLabel } from './errors'
export { defaultUserKnownHosts, verifyHostKey } from './host-key-policy'
export type {
  HostKeyAnswer,
  HostKeyPolicy,
  HostKeyPromptFn,
  HostKeyQuestion,
  HostKeyRefusal,
  KnownHostsConfig,
} from './host-key-policy'
export {
  addKnownHost,
  checkHostKey,
  fingerprintSha256,
  formatKnownHostLine,
  keyTypeOf,
  loadKnownHosts,
  parseKnownHosts,
} from './known-hosts'
export type { HostKeyCheck, KnownHostEntry, KnownHostsData, KnownHostsProblem } from './known-hosts'
export { passphraseSecretId, passwordSecretId } from './secret-store'
export type { SecretStore } from './secret-store'
export { loadSshConfig, parseTargetSpec, resolveHostConfig, resolveTarget } from './ssh-config'
export type { InventoryHost, ResolvedHop, ResolvedTarget, ResolveOptions } from './ssh-config'
export type { ShellChannel, ShellOptions } from './streams'
export { SshPool } from './pool'
export type { ConnectionRole } from './pool'
export { importSshConfig } from './ssh-config-import'
export type { SshConfigImport } from './ssh-config-import'
