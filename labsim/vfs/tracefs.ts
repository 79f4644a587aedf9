import { KernelError } from '../model/errno'
import type { Kernel } from '../model/kernel'
import { TRACE_CPUS } from '../model/kernel'
import type { VDir, VNode } from './nodes'
import { attr, dir, rwAttr } from './nodes'
import { TraceRing, traceRingBytes } from './trace-ring'

const header = (n: number): string =>
  [
    '# tracer: nop',
    '#',
    `# entries-in-buffer/entries-written: ${n}/${n}   #P:${TRACE_CPUS}`,
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
 * Parses a `buffer_size_kb` write like kernel/trace/trace.c tracing_entries_write: a decimal
 * count of KiB per CPU (kstrtoul_from_user: optional `+`, one trailing newline), not 0.
 *
 * @throws KernelError EINVAL (not a number, or 0), ERANGE (too large for an unsigned long).
 */
export function parseBufferSizeKb(value: string): number {
  const m = /^\+?(\d+)\n?$/.exec(value)
  if (!m) throw new KernelError('EINVAL')
  const kb = Number(m[1])
  if (!Number.isSafeInteger(kb)) throw new KernelError('ERANGE')
  if (kb === 0) throw new KernelError('EINVAL') // "must have at least 1 entry"
  return kb
}

/**
 * tracefs (`/sys/kernel/debug/tracing`, also `/sys/kernel/tracing`): `trace` (non-consuming,
 * with the nop tracer header; writing truncates), `trace_pipe` (consuming, blocks and streams;
 * a reader that falls behind loses the oldest events past the ring size, trace-ring.ts),
 * `buffer_size_kb` (ring KiB per CPU, writable) and `buffer_total_size_kb` (all CPUs,
 * read-only), `tracing_on`, `set_event`, and the mlx5 event directories for both fw tracer
 * paths: upstream `events/mlx5/mlx5_fw` and MLNX_OFED's `events/mlx5/fw_tracer` (docs/domain.md §3.1).
 */
export function tracefs(kernel: Kernel): VDir {
  const t = kernel.tracing
  const mlx5 = mlx5Events(kernel)
  // Clearing the ring clears what trace_pipe has not read yet too.
  const clear = (): void => {
    kernel.trace.splice(0)
    kernel.traceRead = 0
  }
  const trace: VNode = {
    kind: 'file',
    read: () => header(kernel.trace.length) + kernel.trace.join(''),
    write: clear,
    truncate: clear,
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
      'buffer_size_kb',
      rwAttr(
        () => t.bufferSizeKb,
        (v) => void (t.bufferSizeKb = parseBufferSizeKb(v)),
      ),
    ],
    ['buffer_total_size_kb', attr(() => t.bufferSizeKb * TRACE_CPUS)],
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
 * Streams trace_pipe like `cat` does: whatever is unread (lines traced before the open first,
 * then lines as they are traced), consumed, written in whole lines of at most
 * `TRACE_PIPE_READ_BYTES` per write (a longer line goes alone). While a write blocks (the SSH
 * client stopped reading) events wait in the reader's bounded ring (trace-ring.ts): past
 * `buffer_size_kb` the oldest are overwritten and the next read starts with
 * `CPU:0 [LOST <n> EVENTS]`. Ends when `signal` aborts.
 */
async function streamTracePipe(
  kernel: Kernel,
  out: { write(text: string): Promise<void> },
  signal: AbortSignal,
): Promise<void> {
  const ring = new TraceRing(() => traceRingBytes(kernel.tracing))
  for (const line of kernel.trace.slice(kernel.traceRead)) ring.push(line)
  kernel.traceRead = kernel.trace.length
  const off = kernel.traceEvents.on((line) => ring.push(line))
  try {
    while (!signal.aborted) {
      const read = ring.take(TRACE_PIPE_READ_BYTES)
      if (read === '') {
        await ring.wait(signal)
        continue
      }
      // Every line traced so far has been read once the ring is empty.
      if (ring.pending === 0) kernel.traceRead = kernel.trace.length
      await out.write(read)
    }
  } catch (error) {
    if (!signal.aborted) throw error
  } finally {
    off()
  }
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
