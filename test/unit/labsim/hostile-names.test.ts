import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { testHost } from './sim'

// labsim must show what the real tools show (test/fixtures/hostile/, captured from iproute2 6.1,
// coreutils 9.1 dd and util-linux 2.38 dmesg on a real kernel): an interface renamed to a name
// with control characters, printed raw inside `ip -j` JSON; the printk ring through /dev/kmsg
// with sequence numbers, read to its end with `dd iflag=nonblock`.

const FIXTURES = join(__dirname, '../../fixtures/hostile')

async function fixture(name: string): Promise<string> {
  const text = await readFile(join(FIXTURES, name), 'utf8')
  return text.split('\n').slice(3).join('\n')
}

describe('ip link set … name', () => {
  it('renames like dev_change_name and prints the name raw in JSON, as iproute2 6.1 does', async () => {
    const h = testHost()
    const name = '\x1b[9A\x1b[J'
    expect(
      (await h.run(`ip link set dev enp8s0f0np0 name "$(printf '\\033[9A\\033[J')"`)).code,
    ).toBe(0)
    const json = (await h.run('ip -j -d link show')).stdout
    expect(json).toContain(`"ifname":"${name}"`) // raw ESC bytes, as in the capture
    expect(() => JSON.parse(json)).toThrow(/control character/i)
    const real = await fixture('ip_j_d_link_show_ctrl_names.txt')
    expect(real).toContain('"ifname":"e\x1b[9A\x1b[J"')
    expect(() => JSON.parse(real)).toThrow(/control character/i)
    // The PF's uplink followed the rename everywhere the model names it.
    expect(h.host.kernel.pfs[0]?.netdev).toBe(name)
    expect((await h.run('ls /sys/class/net')).stdout).toContain(name)
    expect((await h.run('dmesg | tail -n 1')).stdout).toMatch(
      /\] \\x1b\[9A\\x1b\[J: renamed from enp8s0f0np0\n$/,
    )
  })

  it('refuses names the kernel and iproute2 refuse, with their messages', async () => {
    const h = testHost()
    expect(await h.run('ip link set enp8s0f0np0 name "a b"')).toMatchObject({
      code: 255,
      stderr: 'Error: argument "a b" is wrong: "name" not a valid ifname\n',
    })
    expect(await h.run('ip link set enp8s0f0np0 name a:b')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: Invalid argument\n',
    })
    expect(await h.run('ip link set enp8s0f0np0 name lo')).toMatchObject({
      code: 2,
      stderr: 'RTNETLINK answers: File exists\n',
    })
    expect(await h.run('ip link set nope name x')).toMatchObject({
      code: 1,
      stderr: 'Cannot find device "nope"\n',
    })
  })
})

describe('/dev/kmsg and dd', () => {
  it('dd iflag=nonblock reads every record with its sequence number, then EAGAIN', async () => {
    const h = testHost()
    await h.run(`echo "<4>replab: WARNING: test $(printf 'esc\\033[2K')" > /dev/kmsg`)
    const r = await h.run('dd if=/dev/kmsg iflag=nonblock bs=8192 status=none')
    expect(r.code).toBe(1)
    expect(r.stderr).toBe("dd: error reading '/dev/kmsg': Resource temporarily unavailable\n")
    const lines = r.stdout.split('\n').filter(Boolean)
    const seqs = lines.map((l) => Number(l.split(',')[1]))
    expect(seqs).toEqual(seqs.map((_s, i) => seqs[0]! + i))
    expect(lines.at(-1)).toMatch(/^12,\d+,\d+,-;replab: WARNING: test esc\\x1b\[2K$/)
    // The real capture has the same shape.
    const real = (await fixture('dev_kmsg_dd_nonblock.txt')).split('\n')
    expect(real.some((l) => /^12,\d+,\d+,-;replab: WARNING: test esc\\x1b\[2K$/.test(l))).toBe(true)
  })

  it('a record longer than bs fails with EINVAL; dmesg -C hides records from dmesg only', async () => {
    const h = testHost()
    const r = await h.run('dd if=/dev/kmsg iflag=nonblock bs=8 status=none')
    expect(r).toMatchObject({
      code: 1,
      stderr: "dd: error reading '/dev/kmsg': Invalid argument\n",
    })
    await h.run('dmesg -C')
    expect((await h.run('dmesg')).stdout).toBe('')
    expect((await h.run('dd if=/dev/kmsg iflag=nonblock bs=8192 status=none')).stdout).not.toBe('')
  })

  it('the ring overwrites its oldest records; sequence numbers show the gap', async () => {
    const h = testHost()
    const first = Number(
      (await h.run('dd if=/dev/kmsg iflag=nonblock bs=8192 status=none')).stdout.split(',')[1],
    )
    for (let i = 0; i < 20_050; i++) h.host.kernel.printk(`line ${i}`)
    const after = (await h.run('dd if=/dev/kmsg iflag=nonblock bs=8192 status=none')).stdout
    const seq = Number(after.split(',')[1])
    expect(seq).toBeGreaterThan(first + 1)
    expect(after.split('\n').filter(Boolean)).toHaveLength(20_000)
  })
})
