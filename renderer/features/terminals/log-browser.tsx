import { useQuery } from '@tanstack/react-query'
import { useState } from 'react'

import { sessionLogsOptions } from '../../api/session-logs'
import { ErrorText } from '../../ui/error-text'
import type { Theme } from '../../ui/theme'

import { LogViewer } from './log-viewer'

/** `1.2 MiB`, `640 KiB`, `87 B`. */
export function byteSize(n: number): string {
  if (n >= 1024 * 1024) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(n >= 10 * 1024 ? 0 : 1)} KiB`
  return `${n} B`
}

/**
 * The session-log browser of one host: the files under `<data dir>/logs/<host>/` (every pane's
 * stream, timestamped, as session-log.ts writes them; rotated files end in `.1`, `.2`, …),
 * newest first; a file opens read-only in the same pane (log-viewer.tsx).
 */
export function LogBrowser({
  hostId,
  hostName,
  theme,
  visible,
}: {
  hostId: string
  hostName: string
  theme: Theme
  visible: boolean
}) {
  const [file, setFile] = useState<string | null>(null)
  const list = useQuery({ ...sessionLogsOptions(hostId), enabled: file === null })
  if (file)
    return (
      <LogViewer
        hostId={hostId}
        file={file}
        theme={theme}
        visible={visible}
        onBack={() => setFile(null)}
      />
    )
  const files = list.data ?? []
  return (
    <div className="log-browser">
      <div className="term-toolbar">
        <span className="small muted">
          {files.length} file{files.length === 1 ? '' : 's'} in logs/{hostId}/, newest first
        </span>
        <span className="spacer-flex" />
        <button type="button" className="small-button" onClick={() => void list.refetch()}>
          Refresh the list
        </button>
      </div>
      <ErrorText error={list.error} prefix={`Session logs of ${hostName}`} />
      {list.isSuccess && files.length === 0 && (
        <p className="muted pad">No session logs of {hostName} yet.</p>
      )}
      <div className="table-scroll">
        <table className="grid compact" aria-label={`Session logs of ${hostName}`}>
          <thead>
            <tr>
              <th scope="col">File</th>
              <th scope="col">Size</th>
              <th scope="col">Last written</th>
            </tr>
          </thead>
          <tbody>
            {files.map((f) => (
              <tr key={f.name}>
                <td>
                  <button
                    type="button"
                    className="link-button mono"
                    aria-label={`Open ${f.name}`}
                    onClick={() => setFile(f.name)}
                  >
                    {f.name}
                  </button>
                </td>
                <td className="num">{byteSize(f.bytes)}</td>
                <td className="mono small">{new Date(f.modifiedAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  )
}
