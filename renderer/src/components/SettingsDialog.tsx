import { useRef, useState, type FormEvent } from 'react'
import type { ResponseOf } from '../../../shared/contract'
import { useApp } from '../state/use-app'
import { useModal } from './use-modal'
import { WritingSettings } from './WritingSettings'

const SHORTCUTS: [string, string][] = [
  ['Ctrl/⌘ S', 'save the sections you hold'],
  ['Ctrl/⌘ Enter', 'done: save and release'],
  ['Alt ↓ / Alt ↑', 'next / previous section'],
  ['Ctrl/⌘ F', 'find in the document'],
  ['Ctrl/⌘ P', 'switch to another document']
]

/**
 * In a browser, notifications need the page's permission: asked for here on the writer's click
 * (or once when the first notification is due); Electron needs none.
 */
function BrowserPermission() {
  const web = useApp((s) => s.client.transportKind === 'web')
  const api = typeof Notification === 'undefined' ? null : Notification
  const [permission, setPermission] = useState(api?.permission ?? 'denied')
  if (!web) return null
  if (!api) return <small className="muted">This browser cannot show notifications.</small>
  if (permission === 'denied')
    return (
      <small className="muted">The browser blocks notifications for this page (see its site settings).</small>
    )
  if (permission === 'granted') return null
  return (
    <button type="button" onClick={() => void api.requestPermission().then(setPermission)}>
      Allow notifications in this browser
    </button>
  )
}

/** The writer's settings (name, heartbeat, polling, idle release, watching, notifications) and the shortcuts. */
export function SettingsDialog() {
  const view = useApp((s) => s.settingsView)
  return view ? <SettingsForm view={view} /> : null
}

function SettingsForm({ view }: { view: ResponseOf<'settings:get'> }) {
  const close = useApp((s) => s.closeSettings)
  const save = useApp((s) => s.saveSettings)
  const [draft, setDraft] = useState(view.settings)
  const form = useRef<HTMLFormElement>(null)
  useModal(form, close)
  const submit = (e: FormEvent) => {
    e.preventDefault()
    // Only what the writer changed: turning notifications off alone needs no reopening of the folder.
    const keys = Object.keys(draft) as (keyof typeof draft)[]
    const changed = Object.fromEntries(
      keys.filter((k) => draft[k] !== view.settings[k]).map((k) => [k, draft[k]])
    )
    void save(changed)
  }
  const num = (key: 'heartbeatSeconds' | 'pollIntervalMs' | 'idleTimeoutMinutes') => ({
    value: String(draft[key]),
    onChange: (e: { target: { value: string } }) => setDraft({ ...draft, [key]: Number(e.target.value) })
  })
  return (
    <div className="modal-backdrop">
      <form
        ref={form}
        className="modal settings"
        role="dialog"
        aria-modal="true"
        aria-label="Settings"
        tabIndex={-1}
        onSubmit={submit}
        data-testid="settings"
      >
        <h2>Settings</h2>
        <label>
          Your name, as others see it
          <input
            value={draft.user}
            maxLength={64}
            required
            onChange={(e) => setDraft({ ...draft, user: e.target.value })}
          />
        </label>
        <label>
          Heartbeat (seconds, 5–120)
          <input type="number" min={5} max={120} step={1} required {...num('heartbeatSeconds')} />
          {view.heartbeatFromEnvironment && (
            <small className="muted">LOCK_HEARTBEAT_INTERVAL is set and wins over this.</small>
          )}
        </label>
        <label>
          Polling interval on network drives (ms, 50–60000)
          <input type="number" min={50} max={60000} step={50} required {...num('pollIntervalMs')} />
        </label>
        <label>
          Release a section after this many idle minutes (0: never)
          <input type="number" min={0} max={1440} step={1} required {...num('idleTimeoutMinutes')} />
        </label>
        <label>
          Watching the folder
          <select
            value={draft.watchMode}
            onChange={(e) => setDraft({ ...draft, watchMode: e.target.value as typeof draft.watchMode })}
          >
            <option value="auto">Automatic (polling on network drives)</option>
            <option value="native">Native file events</option>
            <option value="polling">Polling</option>
          </select>
        </label>
        <label className="check">
          <input
            type="checkbox"
            data-testid="notifications-setting"
            checked={draft.notifications}
            onChange={(e) => setDraft({ ...draft, notifications: e.target.checked })}
          />
          Notify me of edit requests and lost sections while Sectioned is in the background
        </label>
        {draft.notifications && <BrowserPermission />}
        <WritingSettings draft={draft} setDraft={setDraft} />
        <label>
          Folder for pasted and dropped images (inside the workspace)
          <input
            data-testid="assets-folder-setting"
            value={draft.assetsFolder}
            maxLength={200}
            required
            onChange={(e) => setDraft({ ...draft, assetsFolder: e.target.value })}
          />
        </label>
        <p className="muted">
          Saved to {view.file ?? 'nowhere (this window keeps no settings)'}. Notifications, the writing page
          and the images folder apply at once, the rest when you open the folder again. Dark mode follows your
          system.
        </p>
        {view.recentFolders.length > 0 && (
          <section className="recent-block">
            <h3>Recent folders</h3>
            <ul className="recent-folders" data-testid="recent-folders">
              {view.recentFolders.map(({ folder, exists }) => (
                <li
                  key={folder}
                  className={exists ? undefined : 'gone'}
                  title={exists ? folder : 'not found'}
                >
                  {folder}
                  {!exists && <small> (not found)</small>}
                </li>
              ))}
            </ul>
            <small className="muted">
              The app opens them from File ▸ Open Recent; the web host serves the folder it was started on.
            </small>
          </section>
        )}
        <h3>Keyboard</h3>
        <table className="shortcuts">
          <tbody>
            {SHORTCUTS.map(([keys, what]) => (
              <tr key={keys}>
                <td>
                  <kbd>{keys}</kbd>
                </td>
                <td>{what}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <footer>
          <button type="button" onClick={close}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={!view.file}>
            Save
          </button>
        </footer>
      </form>
    </div>
  )
}
