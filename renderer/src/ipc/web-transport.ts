import { ErrorCode, type Result } from '../../../shared/errors'
import type { EventFrame, ReplyFrame, RequestFrame } from '../../../shared/wire'
import type { ConnectionStatus, Transport } from './transport'

const offline: Result<never> = {
  ok: false,
  error: {
    code: ErrorCode.Io,
    message: 'Not connected to Sectioned (the web host stopped or the connection dropped).'
  }
}

/** Where a tab keeps the web host's token once it is out of the address bar. */
const TOKEN_KEY = 'sectioned.token'

/** The tab's sessionStorage, or null where the browser refuses it (storage disabled). */
function tabStorage(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null
  } catch {
    return null
  }
}

/**
 * The web host's token, read once at start: from the page URL (`?token=`), which is then rewritten
 * without it (`history.replaceState`) so the secret is not left in the address bar, in a copied
 * link, a bookmark or a screenshot. It is kept in the tab's sessionStorage, so a reload of the tab
 * still connects; sessionStorage is this tab's and this origin's only and is gone with the tab,
 * and a script able to read it could read a variable in memory as well. A `?token=` in the URL
 * wins over a stored one (the host was restarted with a new token).
 */
export function takeToken(
  location: Location,
  history: History | null = globalThis.history ?? null,
  storage: Storage | null = tabStorage()
): string {
  const url = new URL(location.href)
  const fromUrl = url.searchParams.get('token')
  if (fromUrl === null) return storage?.getItem(TOKEN_KEY) ?? ''
  try {
    storage?.setItem(TOKEN_KEY, fromUrl)
  } catch {
    // Storage full or refused: the token is still in memory; only a reload would lose it.
  }
  url.searchParams.delete('token')
  history?.replaceState(history.state, '', `${url.pathname}${url.search}${url.hash}`)
  return fromUrl
}

/**
 * The web host's WebSocket as a transport. The token comes from the page URL (`?token=`, see
 * takeToken); the socket reconnects with backoff, and requests made while it is down fail at once
 * (not hang).
 */
export function createWebTransport(location: Location, WS: typeof WebSocket = WebSocket): Transport {
  const token = takeToken(location)
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api?token=${encodeURIComponent(token)}`
  const pending = new Map<number, (r: Result<unknown>) => void>()
  const listeners = new Map<string, Set<(p: unknown) => void>>()
  const statusListeners = new Set<(s: ConnectionStatus) => void>()
  let socket: WebSocket | null = null
  let nextId = 1
  let retry = 250

  const setStatus = (s: ConnectionStatus) => statusListeners.forEach((l) => l(s))

  function connect(): void {
    setStatus('connecting')
    const ws = new WS(url)
    socket = ws
    ws.onopen = () => {
      retry = 250
      setStatus('open')
    }
    ws.onmessage = (msg) => {
      let frame: Partial<ReplyFrame & EventFrame>
      try {
        frame = JSON.parse(String(msg.data))
      } catch {
        return
      }
      if (typeof frame.event === 'string') listeners.get(frame.event)?.forEach((l) => l(frame.payload))
      else if (typeof frame.id === 'number' && frame.result) {
        pending.get(frame.id)?.(frame.result)
        pending.delete(frame.id)
      }
    }
    ws.onclose = () => {
      socket = null
      for (const resolve of pending.values()) resolve(offline)
      pending.clear()
      setStatus('closed')
      setTimeout(connect, retry)
      retry = Math.min(retry * 2, 5_000)
    }
  }
  connect()

  return {
    kind: 'web',
    invoke(channel, payload) {
      if (!socket || socket.readyState !== WS.OPEN) {
        // Wait briefly for the first connection instead of failing the app's opening requests.
        return new Promise((resolve) => {
          const started = Date.now()
          const tick = () => {
            if (socket && socket.readyState === WS.OPEN) resolve(this.invoke(channel, payload))
            else if (Date.now() - started > 5_000) resolve(offline)
            else setTimeout(tick, 50)
          }
          tick()
        })
      }
      const id = nextId++
      const frame: RequestFrame = { id, channel, payload }
      return new Promise((resolve) => {
        pending.set(id, resolve)
        socket?.send(JSON.stringify(frame))
      })
    },
    on(event, callback) {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(callback)
      return () => set.delete(callback)
    },
    onStatus(callback) {
      statusListeners.add(callback)
      return () => statusListeners.delete(callback)
    }
  }
}
