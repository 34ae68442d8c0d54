import { useApp } from '../state/use-app'

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
        <span data-testid="heartbeat" className={beat.bad ? 'bad' : ''}>
          {beat.text}
        </span>
      )}
      {health && health.saves > 0 && health.saveMedianMs !== null && (
        <span title="This instance's saves since start">
          {health.saves} saves · median {Math.round(health.saveMedianMs)} ms
        </span>
      )}
      <span className="grow" />
      <span>
        You hold {held}
        {elsewhere > 0 ? ` (+${elsewhere} in your other windows)` : ''}
        {away > 0 ? ` (+${away} in other documents)` : ''} · others hold {others}
      </span>
    </footer>
  )
}
