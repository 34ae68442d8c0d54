import { describe, expect, it } from 'vitest'
import { nodeSupportNote } from './node-support'

describe('nodeSupportNote', () => {
  it('names an end-of-life Node and the supported lines', () => {
    expect(nodeSupportNote('v20.20.2')).toBe(
      'note: Node 20.20.2 is past its end of life and gets no security fixes; run Sectioned on Node 22 or 24 (LTS).'
    )
    expect(nodeSupportNote('v18.0.0')).toContain('Node 18.0.0')
  })

  it('says nothing on a supported or newer Node, or a version it cannot read', () => {
    for (const v of ['v22.12.0', 'v24.1.0', 'v26.0.0', 'nonsense']) expect(nodeSupportNote(v)).toBeNull()
  })
})
