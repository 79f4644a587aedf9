import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { testHost } from './sim'

// Output-shape tests: labsim's netdevsim10 against the real captures (issue 3 "Tests",
// docs/domain.md §6), replaying the captured command sequence on a host without mlx5 cards.
const dir = new URL('../../fixtures/netdevsim/', import.meta.url)

interface Capture {
  command: string
  exit: number
  stdout: string
  stderr: string
}

function load(name: string): Capture {
  const text = readFileSync(new URL(name, dir), 'utf8')
  const lines = text.split('\n')
  const command = (lines[0] ?? '').replace(/^# command: /, '')
  const exit = Number(/^# exit: (\d+)/.exec(lines[2] ?? '')?.[1] ?? 'NaN')
  const body = lines.slice(3).join('\n')
  const [stdout = '', stderr = ''] = body.split('# --- stderr ---\n')
  return { command, exit, stdout, stderr }
}

/** Normalise only what must differ: MACs, ifindexes, random dump bytes, dump times, the mgmt NIC. */
function normalise(text: string): string {
  return text
    .replace(/([0-9a-f]{2}:){5}[0-9a-f]{2}/g, 'MAC')
    .replace(/"ifindex":\d+/g, '"ifindex":N')
    .replace(/^\d+: /gm, 'N: ')
    .replace(/"test_binary":\[[\d,]+\]/g, '"test_binary":[…]')
    .replace(/"last_dump_(date|time)":"[^"]+"/g, '"last_dump_$1":"…"')
    .replace(/last_dump_(date|time) \S+/g, 'last_dump_$1 …')
    .replace(/^( {4}[0-9a-f]{2}( [0-9a-f]{2}){15} )$/gm, '    <16 bytes>')
    .replace(/ens2/g, 'eno1')
}

const sequence = [
  '06_devlink_j_dev_show.txt',
  '07_devlink_dev_show_text.txt',
  '08_devlink_j_dev_info.txt',
  '09_devlink_j_dev_param_show.txt',
  '10_devlink_j_eswitch_show_legacy.txt',
  '11_devlink_j_port_show_legacy_novfs.txt',
  '12_sriov_numvfs_4.txt',
  '13_sriov_numvfs_read.txt',
  '14_ip_j_link_show_pf_vfs.txt',
  '15_ip_link_show_pf_vfs_text.txt',
  '16_eswitch_set_switchdev.txt',
  '17_devlink_j_eswitch_show_switchdev.txt',
  '18_devlink_j_port_show.txt',
  '19_devlink_j_p_port_show.txt',
  '20_devlink_port_show_text.txt',
  '23_cat_phys_port_name.txt',
  '27_eswitch_inline_encap_set.txt',
  '29_sriov_numvfs_4to2_in_switchdev.txt',
  '30_sriov_numvfs_4to0_in_switchdev.txt',
  '31_switchdev_with_0_vfs.txt',
  '32_sriov_numvfs_0to4_in_switchdev.txt',
  '33_port_show_after_0to4_in_switchdev.txt',
  '34_devlink_j_health_show.txt',
  '35_health_diagnose_dummy.txt',
  '36_health_dump_show_dummy.txt',
  '37_health_break_autorecover.txt',
  '38_health_set_no_autorecover.txt',
  '39_health_break_no_autorecover.txt',
  '40_health_recover_fail.txt',
  '41_health_recover_dummy.txt',
  '43_health_dump_clear_and_text.txt',
  '44_health_empty_reporter.txt',
  '45_health_set_grace.txt',
  '51_eswitch_set_legacy.txt',
  '52_after_legacy.txt',
  '53_eswitch_set_same_mode.txt',
  '54_eswitch_set_switchdev_again.txt',
  '55_devlink_j_dev_reload.txt',
  '56_after_reload_state.txt',
  '57_devlink_dev_reload_text.txt',
  '58_devlink_dev_reload_fw_activate.txt',
  '59_devlink_reload_fail.txt',
  '60_unbind.txt',
  '61_after_unbind.txt',
  '62_bind.txt',
  '63_after_bind.txt',
  '64_unbind_twice.txt',
]

describe('netdevsim10 matches the real captures (docs/domain.md §6)', () => {
  const h = testHost('fixed', { hosts: [{ cards: [] }] })
  for (const name of sequence) {
    it(name, async () => {
      // The capture guest brought eni10np1 up for its trace captures (71/72) before 51.
      if (name === '51_eswitch_set_legacy.txt') await h.run('ip link set dev eni10np1 up')
      const capture = load(name)
      const got = await h.run(capture.command)
      expect({
        stdout: normalise(got.stdout),
        stderr: normalise(got.stderr),
        exit: got.code,
      }).toEqual({
        stdout: normalise(capture.stdout),
        stderr: normalise(capture.stderr),
        exit: capture.exit,
      })
    })
  }
})

describe('netdevsim10 devlink monitor matches the real capture (fixture 74)', () => {
  it('74_devlink_monitor_text_sample.txt (sleeps shortened)', async () => {
    const h = testHost('fixed', { hosts: [{ cards: [] }] })
    await h.run('echo 4 > /sys/bus/netdevsim/devices/netdevsim10/sriov_numvfs')
    const capture = load('74_devlink_monitor_text_sample.txt')
    const got = await h.run(capture.command.replace(/sleep 1/g, 'sleep 0.05'))
    expect(got).toEqual({ stdout: capture.stdout, stderr: capture.stderr, code: capture.exit })
  })
})
