import { describe, expect, it } from 'vitest'

import { drillStepUri } from '../../../main/service/terminal-highlight'
import { parseDrillLink } from '../../../renderer/features/terminals/drill-link'

describe('drill links in terminal panes', () => {
  it('reads back what main writes, run ids with odd characters included', () => {
    for (const ref of [
      { runId: 'r-20261121-abc', step: 0 },
      { runId: 'a/b c', step: 41 },
    ]) {
      expect(parseDrillLink(drillStepUri(ref))).toEqual(ref)
    }
  })

  it('acts on no other link a remote program could print', () => {
    for (const uri of [
      'javascript:alert(1)',
      'https://example.com/',
      'file:///etc/passwd',
      'replab://drill/x/step/1/../../evil',
      'replab://drill//step/1',
      'replab://drill/x/step/-1',
      'replab://drill/%E0%A4%A/step/1',
      'replab://drill/x/step/1\nmore',
    ]) {
      expect(parseDrillLink(uri), uri).toBeNull()
    }
  })
})
