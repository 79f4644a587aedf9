import type { Kernel } from '../model/kernel'
import type { VDir, VNode } from './nodes'
import { attr, dir, rwAttr } from './nodes'

const header = (n: number): string =>
  [
    '# tracer: nop',
    '#',
    `# entries-in-buffer/entries-written: ${n}/${n}   #P:2`,
    '#',
    '#                                _-----=> irqs-off/BH-disabled',
    '#                               / _----=> need-resched',
    '#                              | / _---=> hardirq/softirq',
    '#                              || / _--=> preempt-depth',
    '#                              ||| / _-=> migrate-disable',
    '#                              |||| /     delay',
    '#           TASK-PID     CPU#  |||||  TIMESTAMP  FUNCTION',
    '#              | |         |   |||||     |         |',
    '',
  ].join('\n')

function enableFile(get: () => boolean, set: (on: boolean) => void): VNode {
  return rwAttr(
    () => (get() ? 1 : 0),
    (v) => set(v.trim() !== '0'),
  )
}

/**
 * tracefs (`/sys/kernel/debug/tracing`, also `/sys/kernel/tracing`): `trace` (non-consuming,
 * with the nop tracer header; writing truncates), `trace_pipe` (consuming, blocks and streams),
 * `tracing_on`, `set_event`, and the mlx5 event directories for both fw tracer paths:
 * upstream `events/mlx5/mlx5_fw` and MLNX_OFED's `events/mlx5/fw_tracer` (domain.md §3.1).
 */
export function tracefs(kernel: Kernel): VDir {
  const t = kernel.tracing
  const mlx5 = mlx5Events(kernel)
  const trace: VNode = {
    kind: 'file',
    read: () => header(kernel.trace.length) + kernel.trace.join(''),
    write: () => void kernel.trace.splice(0),
    truncate: () => void kernel.trace.splice(0),
  }
  const setEvent = rwAttr(
    () =>
      [t.mlx5Fw ? 'mlx5:mlx5_fw' : '', t.fwTracer ? 'mlx5:fw_tracer' : '']
        .filter(Boolean)
        .join('\n'),
    (v) => {
      t.mlx5Fw = v.includes('mlx5_fw')
      t.fwTracer = v.includes('fw_tracer')
    },
  )
  const available =
    'mlx5:mlx5_fw\nmlx5:fw_tracer\nmlx5:mlx5_sf_add\ndevlink:devlink_health_report\nnet:net_dev_xmit'
  return dir(() => [
    ['trace', trace],
    ['trace_pipe', { kind: 'file', stream: (ctx) => streamTracePipe(kernel, ctx.out, ctx.signal) }],
    [
      'tracing_on',
      enableFile(
        () => t.on,
        (on) => void (t.on = on),
      ),
    ],
    ['set_event', setEvent],
    ['available_events', attr(() => available)],
    ['events', dir(() => [['mlx5', mlx5]])],
  ])
}

/**
 * Most bytes one read(2) of trace_pipe returns: one trace_seq buffer, two 4 KiB pages less its
 * header since Linux 6.8 (include/linux/trace_seq.h TRACE_SEQ_BUFFER_SIZE; kernel/trace/trace.c
 * tracing_read_pipe clamps the count to it). `cat` writes each read as it gets it, so a busy
 * trace reaches the SSH channel in chunks of up to this size, not line by line.
 */
export const TRACE_PIPE_READ_BYTES = 8192 - 64

/**
 * Streams trace_pipe like `cat` does: whatever is buffered (unread lines first, then lines as
 * they are traced), consumed, written in whole lines of at most `TRACE_PIPE_READ_BYTES` per
 * write (a longer line goes alone). Ends when `signal` aborts.
 */
async function streamTracePipe(
  kernel: Kernel,
  out: { write(text: string): Promise<void> },
  signal: AbortSignal,
): Promise<void> {
  const events = kernel.traceEvents.batches(signal)
  const pending = kernel.trace.slice(kernel.traceRead)
  kernel.traceRead = kernel.trace.length
  await writeReads(pending, out)
  try {
    for await (const lines of events) {
      kernel.traceRead = kernel.trace.length
      await writeReads(lines, out)
    }
  } catch (error) {
    if (!signal.aborted) throw error
  }
}

/** Writes `lines` as successive reads of at most `TRACE_PIPE_READ_BYTES` each. */
async function writeReads(
  lines: readonly string[],
  out: { write(text: string): Promise<void> },
): Promise<void> {
  let read = ''
  for (const line of lines) {
    if (read.length > 0 && read.length + line.length > TRACE_PIPE_READ_BYTES) {
      await out.write(read)
      read = ''
    }
    read += line
  }
  if (read.length > 0) await out.write(read)
}

function mlx5Events(kernel: Kernel): VDir {
  const t = kernel.tracing
  return dir(() => [
    [
      'enable',
      enableFile(
        () => t.mlx5Fw && t.fwTracer,
        (on) => void ((t.mlx5Fw = on), (t.fwTracer = on)),
      ),
    ],
    [
      'mlx5_fw',
      dir(() => [
        [
          'enable',
          enableFile(
            () => t.mlx5Fw,
            (on) => void (t.mlx5Fw = on),
          ),
        ],
        ['id', attr(() => 1552)],
      ]),
    ],
    [
      'fw_tracer',
      dir(() => [
        [
          'enable',
          enableFile(
            () => t.fwTracer,
            (on) => void (t.fwTracer = on),
          ),
        ],
        ['id', attr(() => 1553)],
      ]),
    ],
  ])
}
