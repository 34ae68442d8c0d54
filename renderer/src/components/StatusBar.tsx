import { useApp } from '../state/use-app'

/** Connection, identity and lock summary at the bottom of the window. */
export function StatusBar({ transport }: { transport: 'electron' | 'web' }) {
  const status = useApp((s) => s.status)
  const info = useApp((s) => s.info)
  const held = useApp((s) => s.locks.filter((l) => l.mine).length)
  const others = useApp((s) => s.locks.filter((l) => !l.mine && !l.mineElsewhere).length)
  return (
    <footer className="status" data-testid="status-bar">
      <span className={`dot ${status}`} aria-hidden />
      <span data-testid="connection">
        {status === 'open' ? 'Connected' : status === 'connecting' ? 'Connecting…' : 'Disconnected'}
      </span>
      <span>{transport === 'electron' ? 'Desktop' : 'Browser (web host)'}</span>
      {info && (
        <span>
          {info.user} on {info.host} · heartbeat {Math.round(info.heartbeatIntervalMs / 1000)} s
        </span>
      )}
      <span className="grow" />
      <span>
        You hold {held} · others hold {others}
      </span>
    </footer>
  )
}
