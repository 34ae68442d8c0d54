/** The section session as a writer types: free sections, refused locks, headings typed and deleted. */
import { describe, expect, it } from 'vitest'
import { closeBrackets, insertBracket } from '@codemirror/autocomplete'
import { outlineOf } from './outline'
import { parseHeadings } from './headings'
import { autosave, openWindow as open, SESSION_DOC as DOC } from './session-harness'

describe('section session: typing into a free section', () => {
  it('applies the keystroke at once, takes the lock, and the autosave writes it', async () => {
    const { server, win } = open()
    const at = win.section('s2').from + '# Budget\nmoney'.length
    win.type(at, '!')
    expect(win.textOf('s2')).toBe('# Budget\nmoney! x z\n\n')
    expect(win.section('s2').phase).toBe('acquiring')
    await server.settle()
    expect(win.section('s2').phase).toBe('held')
    expect(server.locks.get('s2')).toBe('me')
    await autosave(win)
    expect(server.text).toBe(DOC.replace('money x', 'money! x'))
  })

  it('keeps every keystroke typed while the lock is on its way, auto-closed brackets included', async () => {
    const { server, win } = open(DOC, closeBrackets())
    const at = win.section('s2').from + '# Budget\nmoney x'.length
    win.apply(win.state.update({ selection: { anchor: at } }))
    const bracket = insertBracket(win.state, '(')
    if (!bracket) throw new Error('closeBrackets did not handle “(”')
    win.apply(bracket) // "()" with the cursor between, before the lock is granted
    win.type(win.state.selection.main.head, 'y')
    await server.settle()
    await autosave(win)
    expect(server.text).toContain('money x(y) z')
  })

  it('takes Enter, Backspace and Delete at a section’s edges as edits of the right sections', async () => {
    const { server, win } = open()
    // Enter at the start of "# Risks": a blank line above the heading belongs to Budget.
    win.type(win.section('s3').from, '\n')
    expect(win.section('s2').phase).toBe('acquiring')
    expect(win.section('s3').phase).toBe('free')
    // Backspace at the start of "# Budget" removes the blank line above it: that line is Intro's.
    const b = win.section('s2').from
    win.edit({ changes: { from: b - 1, to: b } })
    expect(win.section('s1').phase).toBe('acquiring')
    // Once more: the heading is glued to "hello" and stops being a heading — Budget joins Intro.
    const b2 = win.section('s2').from
    win.edit({ changes: { from: b2 - 1, to: b2 } })
    await server.settle()
    await autosave(win)
    expect(server.text).toBe('# Intro\nhello# Budget\nmoney x z\n\n\n# Risks\nmany\n')
    // The glued heading is now plain text of Intro: saved as one run, Budget retired.
    expect(server.sections.map((s) => s.id)).toEqual(['preamble', 's1', 's3'])
  })

  it('claims every free section a paste spans, as one claim', async () => {
    const { server, win } = open()
    const from = win.section('s1').from + 9
    const to = win.section('s2').from + 10
    win.edit({ changes: { from, to, insert: 'PASTED\n' } })
    expect([win.section('s1').claim, win.section('s2').claim]).toEqual([1, 1])
    await server.settle()
    await autosave(win)
    expect(server.text).toContain('PASTED')
    expect(server.text.match(/PASTED/g)).toHaveLength(1)
  })
})

describe('section session: a refused lock', () => {
  it('rolls back exactly that claim’s changes, keeps the typing as one draft, and leaves held work alone', async () => {
    const { server, win } = open()
    win.type(win.section('s1').from + 7, 'A') // Intro: granted
    await server.settle()
    server.annTakes('s2') // the window does not know yet
    const b = () => win.section('s2').from + 9
    win.type(b(), '1')
    win.type(win.section('s1').from + 8, 'B') // held work between the refused keystrokes
    win.type(b() + 1, '2')
    win.type(b() + 2, '3')
    await server.settle()
    expect(win.textOf('s2')).toBe('# Budget\nmoney x z\n\n')
    expect(win.textOf('s1')).toBe('# IntroAB\nhello\n\n')
    const notices = server.notices.filter((n) => n.key === 'held:s2')
    expect(notices).toHaveLength(1)
    expect(notices[0].draft?.text).toContain('123money')
    expect(win.section('s2').phase).not.toBe('acquiring')
  })
})

describe('section session: new and deleted headings', () => {
  it('a heading typed inside a held section becomes one new held section; the file gets exactly one copy', async () => {
    const { server, win } = open()
    const end = win.section('s2').from + '# Budget\nmoney x z'.length
    win.type(end, '\n\n## Dates\n\nmonday')
    await server.settle()
    await autosave(win)
    win.type(win.state.doc.toString().indexOf('monday') + 6, ' and tuesday')
    await autosave(win)
    expect(server.text.match(/## Dates/g)).toHaveLength(1)
    expect(server.text).toBe(
      '# Intro\nhello\n\n# Budget\nmoney x z\n\n## Dates\n\nmonday and tuesday\n\n# Risks\nmany\n'
    )
    const dates = server.sections.find((s) => s.text.startsWith('## Dates'))
    expect(dates && server.locks.get(dates.id)).toBe('me')
    expect(win.text).toBe(server.text)
    expect(win.ids()).toEqual(server.sections.map((s) => s.id))
    expect(win.section(dates?.id ?? '').phase).toBe('held')
  })

  it('deleting the heading of a held section merges it into the held section above on save', async () => {
    const { server, win } = open()
    win.type(win.section('s1').from + 7, '!')
    win.type(win.section('s2').from + 8, '!')
    await server.settle()
    const b = win.section('s2').from
    win.edit({ changes: { from: b, to: b + '# Budget!\n'.length } })
    await autosave(win)
    expect(server.text).toBe('# Intro!\nhello\n\nmoney x z\n\n# Risks\nmany\n')
    expect(server.sections.map((s) => s.id)).toEqual(['preamble', 's1', 's3'])
    expect(server.locks.has('s2')).toBe(false)
    expect(win.text).toBe(server.text)
  })

  it('the outline is the sections of the editor’s text, unsaved headings included', async () => {
    const { server, win } = open()
    win.type(win.section('s3').from - 1, '## Later\n')
    await server.settle()
    const outline = outlineOf(win.state)
    expect(outline.map((o) => [o.id, o.heading])).toEqual([
      ['preamble', ''],
      ['s1', 'Intro'],
      ['s2', 'Budget'],
      [null, 'Later'],
      ['s3', 'Risks']
    ])
    expect(outline.slice(1).map((o) => o.heading)).toEqual(
      parseHeadings(win.text, true).map((h) => h.heading)
    )
  })
})
