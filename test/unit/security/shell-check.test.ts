import { describe, expect, it } from 'vitest'

import { quote } from 'shell-quote'

import { shellArg, shellJoin, echoTo, lockCommand, lockOwner } from '../../../main/engine/shell'
import { HOSTILE } from '../../helpers/fault-hostile'
import { findShellLeaks } from '../../helpers/fault-shell-check'

// The checker used on labsim's command log must itself catch leaks (else a clean log proves
// nothing), and the engine's quoting helpers must pass it for every hostile value.

describe('findShellLeaks', () => {
  it('flags hostile values pasted unquoted', () => {
    for (const v of [
      '; rm -rf /',
      '$(reboot)',
      '`reboot`',
      'a\nreboot',
      "x' ; touch /tmp/pwned; '",
    ]) {
      expect(findShellLeaks([`echo ${v} > /sys/x`]), v).not.toEqual([])
    }
  })

  it('flags a hostile value inside double quotes where the shell still expands it', () => {
    expect(findShellLeaks(['echo "$(reboot)"'])).not.toEqual([])
  })

  it('accepts every hostile value quoted as one word', () => {
    const commands = HOSTILE.filter((v) => !v.includes('\u0000')).map(
      (v) => `echo ${quote([v])} > /x`,
    )
    expect(findShellLeaks(commands)).toEqual([])
  })

  it('accepts ordinary product commands', () => {
    expect(
      findShellLeaks([
        'devlink -j port show',
        'echo 4 > /sys/bus/pci/devices/0000:08:00.0/sriov_numvfs',
      ]),
    ).toEqual([])
  })
})

describe('engine shell helpers under hostile words', () => {
  const values = HOSTILE.filter((v) => !v.includes('\u0000'))
  it('shellArg / shellJoin / echoTo keep each value one literal word', () => {
    const commands = values.flatMap((v) => [
      shellJoin(['devlink', 'dev', 'eswitch', 'set', v, 'mode', 'switchdev']),
      echoTo(v, '/sys/bus/pci/drivers/mlx5_core/unbind'),
      echoTo('1', v),
      `ip link show ${shellArg(v)}`,
    ])
    expect(findShellLeaks(commands)).toEqual([])
  })

  it('lockCommand keeps a hostile owner inside its quotes', () => {
    for (const v of values) {
      const cmd = lockCommand('pci/0000:08:00.0', lockOwner(v, v, 0))
      const words = cmd.match(/'[^']*'/g) ?? []
      expect(words.at(-1), v.slice(0, 30)).toMatch(/^'[A-Za-z0-9_.@ :-]+'$/)
    }
  })
})
