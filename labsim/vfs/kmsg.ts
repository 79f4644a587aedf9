import type { Kernel } from '../model/kernel'
import { kmsgLine } from '../model/printk'
import type { VFile } from './nodes'

/**
 * `/dev/kmsg` (Documentation/ABI/testing/dev-kmsg, kernel/printk/printk.c `devkmsg_*`):
 * reading returns one record per read, `<prio>,<seq>,<usec>,-;<text>` with non-printable bytes
 * as `\xNN`, starting at the oldest record still in the ring; a blocking reader then waits for
 * new ones. Writing injects a record per line; a `<N>` prefix sets the level (low 3 bits) and,
 * when non-zero, the facility; userspace records default to facility LOG_USER and level 4, so
 * `echo x > /dev/kmsg` logs prio 12 (test/fixtures/hostile/dev_kmsg_dd_nonblock.txt).
 */
export function kmsgFile(kernel: Kernel): VFile {
  return {
    kind: 'file',
    read: () => kernel.dmesg.all().map(kmsgLine).join(''),
    write: (data) => {
      for (const line of data.split('\n')) {
        if (line === '') continue
        const m = /^<(\d+)>/.exec(line)
        const u = m ? Number(m[1]) : 4
        const facility = m && u >> 3 !== 0 ? u >> 3 : 1
        kernel.printk(m ? line.slice(m[0].length) : line, facility * 8 + (u & 7))
      }
    },
    stream: async ({ out, signal }) => {
      const follow = kernel.dmesgEvents.iterate(signal)
      await out.write(kernel.dmesg.all().map(kmsgLine).join(''))
      try {
        for await (const record of follow) await out.write(kmsgLine(record))
      } catch (error) {
        if (!signal.aborted) throw error
      }
    },
  }
}
