import { useQuery } from '@tanstack/react-query'

import type { HostKeyPrompt } from '../../../contract/hosts'
import { hostKeyPromptsOptions, hostsOptions } from '../../api/keys'
import { useAnswerHostKey } from '../../api/mutations'
import { ErrorText } from '../../ui/error-text'
import { Modal } from '../../ui/dialog'

import { hostKeyFile, jumpHostOf } from './host-key-text'

function hostPort(p: HostKeyPrompt): string {
  return p.port === 22 ? p.host : `[${p.host}]:${p.port}`
}

/** `, and it now offers a key of another type (…)`, as OpenSSH refuses this case too. */
function typeChange(p: HostKeyPrompt): string {
  if (!p.knownKeyType || p.knownKeyType === p.keyType) return ''
  return ` (it now offers a key of type ${p.keyType} where ${p.knownKeyType} is on record; a key of another type for a known host is a changed key)`
}

/** Shows the oldest pending host-key prompt: trust-on-first-use, or a hard refusal. */
export function HostKeyDialogs() {
  const prompts = useQuery(hostKeyPromptsOptions())
  const first = prompts.data?.[0]
  if (!first) return null
  return first.status === 'unknown' ? (
    <FirstUseDialog key={first.promptId} prompt={first} />
  ) : (
    <ChangedKeyDialog key={first.promptId} prompt={first} />
  )
}

function FirstUseDialog({ prompt }: { prompt: HostKeyPrompt }) {
  const answer = useAnswerHostKey()
  const config = useQuery(hostsOptions()).data?.find((h) => h.config.id === prompt.hostId)?.config
  const jump = config ? jumpHostOf(prompt, config) : null
  const reject = () => answer.mutate({ promptId: prompt.promptId, accept: false })
  return (
    <Modal
      title="Unknown host key"
      onClose={reject}
      actions={
        <>
          <button type="button" onClick={reject} autoFocus>
            Reject and disconnect
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => answer.mutate({ promptId: prompt.promptId, accept: true })}
          >
            Trust this key and connect
          </button>
        </>
      }
    >
      <p>
        The authenticity of <strong className="mono">{hostPort(prompt)}</strong>
        {jump && (
          <>
            {' '}
            (jump host <span className="mono">{jump}</span>)
          </>
        )}{' '}
        for inventory host <strong className="mono">{prompt.hostId}</strong> can't be established.
      </p>
      <dl className="kv">
        <dt>Key type</dt>
        <dd className="mono">{prompt.keyType}</dd>
        <dt>Fingerprint</dt>
        <dd className="mono fingerprint" aria-label="SHA256 fingerprint">
          {prompt.fingerprint}
        </dd>
      </dl>
      <p className="muted">
        Compare it with <span className="mono">ssh-keygen -lf {hostKeyFile(prompt.keyType)}</span>{' '}
        on the host. Trusting records it in known_hosts.
      </p>
      <ErrorText error={answer.error} />
    </Modal>
  )
}

/**
 * A changed or revoked key is a hard refusal: there is no button that accepts it. The user
 * sees both fingerprints, the known_hosts line holding the old key and how to fix it.
 */
function ChangedKeyDialog({ prompt }: { prompt: HostKeyPrompt }) {
  const answer = useAnswerHostKey()
  const close = () => answer.mutate({ promptId: prompt.promptId, accept: false })
  const revoked = prompt.status === 'revoked'
  return (
    <Modal
      title={
        revoked ? 'Host key revoked: connection refused' : 'Host key changed: connection refused'
      }
      tone="danger"
      onClose={close}
      actions={
        <button type="button" onClick={close} autoFocus>
          Close
        </button>
      }
    >
      <p role="alert" className="refusal">
        {revoked
          ? `The key offered by ${hostPort(prompt)} is marked @revoked in known_hosts.`
          : `REMOTE HOST IDENTIFICATION HAS CHANGED: the host key of ${hostPort(prompt)} does not match the one on record${typeChange(prompt)}. Someone could be intercepting the connection, or the host was reinstalled.`}{' '}
        replab refused to connect to <span className="mono">{prompt.hostId}</span>.
      </p>
      <dl className="kv">
        <dt>Offered ({prompt.keyType})</dt>
        <dd className="mono fingerprint" aria-label="Offered fingerprint">
          {prompt.fingerprint}
        </dd>
        {prompt.knownFingerprint && (
          <>
            <dt>On record{prompt.knownKeyType ? ` (${prompt.knownKeyType})` : ''}</dt>
            <dd className="mono fingerprint" aria-label="Recorded fingerprint">
              {prompt.knownFingerprint}
            </dd>
          </>
        )}
        {prompt.knownLocation && (
          <>
            <dt>known_hosts line</dt>
            <dd className="mono" aria-label="known_hosts line">
              {prompt.knownLocation}
            </dd>
          </>
        )}
      </dl>
      <h3>How to fix</h3>
      <p>Verify the new key on the host console, then remove the old entry and reconnect:</p>
      <pre className="mono code">ssh-keygen -R {hostPort(prompt)}</pre>
      <ErrorText error={answer.error} />
    </Modal>
  )
}
