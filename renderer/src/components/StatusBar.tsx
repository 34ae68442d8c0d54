import { readingMinutes } from '../editor/word-count'
import { useApp } from '../state/use-app'
import { heldState } from './HeldStates'

const n = (x: number) => x.toLocaleString()

/** "1,234 words · 6 min read · section 210 · selected 12": the open document, section and selection. */
function WordCounts() {
  const words = useApp((s) => s.words)
  if (!words) return null
  return (
    <span
      data-testid="word-count"
      title="Words in the document, the section the cursor is in, and the selection"
    >
      <span data-testid="words-document">{n(words.document)}</span> words · {readingMinutes(words.document)}{' '}
      min read
      {words.section !== null && (
        <>
          {' '}
          · section <span data-testid="words-section">{n(words.section)}</span>
        </>
      )}
      {words.selection !== null && (
        <>
          {' '}
          · selected <span data-testid="words-selection">{n(words.selection)}</span>
        </>
      )}
    </span>
  )
}

/** Whether what the writer typed is on disk: saving…, unsaved, or saved (nothing shown when nothing is held). */
function SavedState() {
  const state = useApp((s) => {
    const states = s.held.map(heldState)
    if (states.length === 0) return null
    if (states.includes('saving')) return 'saving'
    if (states.includes('unsaved') || states.includes('taking')) return 'unsaved'
    return 'saved'
  })
  if (!state) return null
  return (
    <span data-testid="saved-state" data-state={state} className={`saved-state ${state}`}>
      {state === 'saving' ? 'Saving…' : state === 'unsaved' ? 'Unsaved changes' : 'All changes saved'}
    </span>
  )
}

/** Heartbeat health in words: fine, late, or failing (a network drive that stopped answering). */
function heartbeatLabel(h: { intervalMs: number; lastOkAgoMs: number | null; consecutiveFailures: number }): {
  text: string
  bad: boolean
} {
  const every = `${Math.round(h.intervalMs / 1000)} s`
  if (h.consecutiveFailures > 0)
    return {
      text: `heartbeat failing (${h.consecutiveFailures}× in a row) — is the shared folder reachable?`,
      bad: true
    }
  if (h.lastOkAgoMs !== null && h.lastOkAgoMs > 2 * h.intervalMs)
    return { text: `heartbeat late (${Math.round(h.lastOkAgoMs / 1000)} s ago)`, bad: true }
  return { text: `heartbeat every ${every}`, bad: false }
}

/** Connection, identity, watching, heartbeat health and lock summary at the bottom of the window. */
export function StatusBar({ transport }: { transport: 'electron' | 'web' }) {
  const status = useApp((s) => s.status)
  const info = useApp((s) => s.info)
  const health = useApp((s) => s.health)
  const held = useApp((s) => s.locks.filter((l) => l.mine).length)
  const elsewhere = useApp((s) => s.locks.filter((l) => l.mineElsewhere).length)
  const others = useApp((s) => s.locks.filter((l) => !l.mine && !l.mineElsewhere).length)
  // Sections kept in documents not shown (held-away.ts); the tree marks which documents.
  const away = useApp((s) => Object.values(s.heldAway).reduce((n, list) => n + list.length, 0))
  const beat = health ? heartbeatLabel(health.heartbeat) : null
  return (
    <footer className="status" data-testid="status-bar">
      <span className={`dot ${status}`} aria-hidden />
      <span data-testid="connection">
        {status === 'open' ? 'Connected' : status === 'connecting' ? 'Connecting…' : 'Disconnected'}
      </span>
      <span>{transport === 'electron' ? 'Desktop' : 'Browser (web host)'}</span>
      {info && (
        <span>
          {info.user} on {info.host}
        </span>
      )}
      {health?.watch && (
        <span data-testid="watch-mode" title={health.watch.reason}>
          {health.watch.mode === 'native'
            ? 'watching: local events'
            : `watching: polling ${health.watch.intervalMs} ms`}
        </span>
      )}
      {health?.watch?.synced && (
        <span data-testid="synced-warning" className="bad" title={health.watch.reason}>
          ⚠ kept by {health.watch.synced}: locks are only as good as its syncing
        </span>
      )}
      {beat && (
        <span data-testid="heartbeat" className={beat.bad ? 'bad' : ''} title={beat.text}>
          {beat.text}
        </span>
      )}
      {health && health.saves > 0 && health.saveMedianMs !== null && (
        <span title="This instance's saves since start">
          {health.saves} {health.saves === 1 ? 'save' : 'saves'} · median {Math.round(health.saveMedianMs)} ms
        </span>
      )}
      <span className="grow" />
      <SavedState />
      <WordCounts />
      <span>
        You hold {held}
        {elsewhere > 0 ? ` (+${elsewhere} in your other windows)` : ''}
        {away > 0 ? ` (+${away} in other documents)` : ''} · others hold {others}
      </span>
    </footer>
  )
}
