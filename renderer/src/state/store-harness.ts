/**
 * For the store's tests: a transport that answers from a table, and a store with `plan.md` open
 * and a section session over an EditorState (no DOM) talking through it.
 */
import { EditorState } from '@codemirror/state'
import type { Transaction, TransactionSpec } from '@codemirror/state'
import { ErrorCode, type Result } from '../../../shared/errors'
import { SectionedClient } from '../ipc/client'
import type { ConnectionStatus, Transport } from '../ipc/transport'
import { SectionSession, sectionLockField, sectionLockFilter, sessionMeta, setSectionLocks } from '../editor'
import { createSessionHost } from './session-host'
import { createAppStore } from './store'

export const SHA = (c: string) => c.repeat(64)
export const TEXT = '# A\nalpha\n\n# B\nbeta\n'

/**
 * A section of the (ASCII) test text, fit for a snapshot (`from`/`to`) and for a save's answer (byte
 * offsets and lines): in ASCII the offsets are the same numbers.
 */
export const section = (id: string, sha256: string, start: number, end: number, startLine: number) => ({
  id,
  level: 1,
  heading: id.toUpperCase(),
  from: start,
  to: end,
  startLine,
  endLine: startLine + 3,
  start,
  end,
  sha256
})
export const holder = (user: string) => ({
  ownerId: user,
  user,
  host: `${user}-pc`,
  instanceId: user,
  since: '2026-11-21T10:32:00.000Z'
})
export const lockView = (sectionId: string, user: string, mine: boolean) => ({
  kind: 'section' as const,
  document: 'plan.md',
  sectionId,
  holder: holder(user),
  lastHeartbeat: 'x',
  mine,
  mineElsewhere: false,
  stale: false
})
export const snapshot = (locks: unknown[] = [], text = TEXT, bSha = SHA('b')) => ({
  document: 'plan.md',
  fileSha256: SHA('f'),
  text,
  sections: [
    section('preamble', SHA('0'), 0, 0, 0),
    section('a', SHA('a'), 0, 11, 0),
    section('b', bSha, 11, text.length, 3)
  ],
  locks,
  readOnly: null
})

/** A transport that answers from a table and records what was asked; events can be pushed by the test. */
export class FakeTransport implements Transport {
  readonly kind = 'web' as const
  calls: { channel: string; payload: unknown }[] = []
  answers: Record<string, (payload: unknown) => Result<unknown>> = {}
  private listeners = new Map<string, ((p: unknown) => void)[]>()
  private statusListeners: ((s: ConnectionStatus) => void)[] = []

  async invoke(channel: string, payload: unknown): Promise<Result<unknown>> {
    this.calls.push({ channel, payload })
    const answer = this.answers[channel]
    return answer
      ? answer(payload)
      : { ok: false, error: { code: ErrorCode.Io, message: `no answer for ${channel}` } }
  }
  on(event: string, cb: (p: unknown) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), cb])
    return () => undefined
  }
  onStatus(cb: (s: ConnectionStatus) => void) {
    this.statusListeners.push(cb)
    return () => undefined
  }
  push(event: string, payload: unknown) {
    for (const l of this.listeners.get(event) ?? []) l(payload)
  }
  status(s: ConnectionStatus) {
    for (const l of this.statusListeners) l(s)
  }
  sent(channel: string) {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.payload)
  }
}

export const tick = () => new Promise((r) => setTimeout(r, 0))

/** The store with a document open and an editor (EditorState, no DOM) whose session talks through it. */
export async function setup() {
  const t = new FakeTransport()
  t.answers['documents:open'] = () => ({ ok: true, value: snapshot() })
  t.answers['journal:list'] = () => ({ ok: true, value: { entries: [] } })
  t.answers['drafts:list'] = () => ({ ok: true, value: { drafts: [] } })
  t.answers['journal:write'] = () => ({ ok: true, value: { ok: true } })
  t.answers['locks:acquire'] = (p) => ({
    ok: true,
    value: lockView((p as { sectionId: string }).sectionId, 'me', true)
  })
  const client = new SectionedClient(t)
  const { store, dispose } = createAppStore(client, { now: () => Date.UTC(2026, 10, 21, 12) })
  await store.getState().open('plan.md')
  let state = EditorState.create({
    doc: TEXT,
    extensions: [sectionLockField, sessionMeta, sectionLockFilter]
  })
  const view = {
    get state() {
      return state
    },
    dispatch: (...specs: TransactionSpec[]) => apply(state.update(...specs))
  }
  const host = createSessionHost(client, store, 'plan.md', () => view)
  const session = new SectionSession(view, host)
  session.builtFrom(SHA('f'))
  const apply = (tr: Transaction) => {
    state = tr.state
    session.update([tr])
  }
  view.dispatch({
    effects: setSectionLocks.of(
      snapshot().sections.map((s) => ({
        id: s.id,
        from: s.from,
        to: s.to,
        editable: false,
        phase: 'free' as const,
        heading: s.heading,
        sha: s.sha256
      }))
    )
  })
  store.getState().attachSession(session)
  const type = (pos: number, text: string) => view.dispatch({ changes: { from: pos, insert: text } })
  // As EditorPane does once the editor is built: ask what changed since the version it shows.
  t.answers['documents:changes'] = () => ({
    ok: true,
    value: { kind: 'same', fileSha256: SHA('f'), locks: [] }
  })
  await store.getState().refresh()
  delete t.answers['documents:changes'] // each test answers it as it needs
  t.calls.length = 0
  return { t, store, session, view, type, text: () => state.doc.toString(), dispose }
}
