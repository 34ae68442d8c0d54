import { describe, expect, it } from 'vitest'
import { decideNotification, noticeFor, type NotifyCause } from './decide'

const request: NotifyCause = {
  kind: 'request',
  request: {
    id: '01JD0000000000000000000000',
    document: 'plan.md',
    sectionId: 'budget',
    heading: 'Budget 2027',
    from: { user: 'bob', host: 'bob-laptop' },
    at: '2026-11-29T10:32:00.000Z'
  }
}
const lost: NotifyCause = {
  kind: 'lost',
  document: 'plan.md',
  sectionId: 'budget',
  heading: 'Budget 2027',
  reason: 'it was taken over after your instance stopped answering',
  newHolder: { user: 'bob', host: 'bob-laptop' }
}
const idle: NotifyCause = {
  kind: 'idle-released',
  document: 'plan.md',
  sectionId: 'budget',
  heading: 'Budget 2027'
}
const background = { enabled: true, foreground: false, shown: new Set<string>() }

describe('when a window notifies', () => {
  it('notifies of each cause in the background only, and only when the setting is on', () => {
    for (const cause of [request, lost, idle]) {
      expect(decideNotification(cause, background)).not.toBeNull()
      expect(decideNotification(cause, { ...background, foreground: true })).toBeNull()
      expect(decideNotification(cause, { ...background, enabled: false })).toBeNull()
    }
  })

  it('shows each cause at most once; another request or section is another cause', () => {
    const first = decideNotification(request, background)!
    const shown = new Set([first.key])
    expect(decideNotification(request, { ...background, shown })).toBeNull()
    const second: NotifyCause = {
      kind: 'request',
      request: { ...request.request, id: '01JD0000000000000000000001' }
    }
    expect(decideNotification(second, { ...background, shown })).not.toBeNull()
    expect(decideNotification(lost, { ...background, shown })).not.toBeNull()
    const lostKey = noticeFor(lost).key
    expect(
      decideNotification(
        { ...lost, reason: 'someone else took it' },
        { ...background, shown: new Set([lostKey]) }
      )
    ).toBeNull()
    expect(
      decideNotification({ ...lost, sectionId: 'dates' }, { ...background, shown: new Set([lostKey]) })
    ).not.toBeNull()
  })
})

describe('what a notification says', () => {
  it('names the writer who asks and the heading, never the section id', () => {
    const n = noticeFor(request)
    expect(n.title).toBe('bob asks for “Budget 2027”')
    expect(n.body).toBe(
      'bob on bob-laptop would like to edit “Budget 2027” in plan.md. Open Sectioned to release it or keep editing.'
    )
    expect(`${n.title} ${n.body}`).not.toMatch(/\bbudget\b/)
    expect(n).toMatchObject({ document: 'plan.md', sectionId: 'budget' })
  })

  it('says who took a lost section and that the text is kept; an idle release is information', () => {
    expect(noticeFor(lost)).toMatchObject({
      title: 'You lost “Budget 2027”',
      body: 'It was taken over after your instance stopped answering. bob on bob-laptop has it now. Your text is kept in the window.'
    })
    expect(
      noticeFor({ ...lost, newHolder: null, reason: 'it was released by ann (force-release).' }).body
    ).toBe('It was released by ann (force-release). Your text is kept in the window.')
    expect(noticeFor(idle)).toMatchObject({
      title: '“Budget 2027” was released',
      body: 'No edits for a while, so “Budget 2027” in plan.md was released for others. Type in it to take it again.'
    })
  })

  it('words a section without a known heading by its document, and the preamble as such', () => {
    expect(noticeFor({ ...idle, heading: null }).title).toBe('A section of plan.md was released')
    expect(noticeFor({ ...lost, sectionId: 'preamble', heading: '' }).title).toBe(
      'You lost “the text before the first heading”'
    )
  })
})
