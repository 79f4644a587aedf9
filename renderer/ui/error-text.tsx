import { describeError } from '../api/unwrap'

/** An inline error (role `alert`) naming code, host and device; nothing when `error` is null. */
export function ErrorText({ error, prefix }: { error: unknown; prefix?: string }) {
  if (error == null) return null
  return (
    <p role="alert" className="error-text">
      {prefix ? `${prefix}: ` : ''}
      {describeError(error)}
    </p>
  )
}
