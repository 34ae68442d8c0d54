import type { StateCreator } from 'zustand'
import type { EventOf, ResponseOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'
import type { NoticeSlice } from './notices'

/** What the status bar shows beyond the connection: watching, heartbeat health, save speed. */
export interface StatusSlice {
  health: ResponseOf<'workspace:status'> | null
  settingsView: ResponseOf<'settings:get'> | null
  /** The writer's notifications setting (on until the settings say otherwise). */
  notificationsOn: boolean
  /** Reads the notifications setting (at start; Settings keeps it up to date after). */
  loadNotificationSetting(): Promise<void>
  refreshStatus(): Promise<void>
  watchModeChanged(mode: EventOf<'watch:mode'>): void
  openSettings(): Promise<void>
  closeSettings(): void
  /** Stores settings; true when stored (they apply when the folder is opened again). */
  saveSettings(changes: Partial<ResponseOf<'settings:get'>['settings']>): Promise<boolean>
}

/** The status slice. */
export function createStatusSlice(
  client: SectionedClient
): StateCreator<StatusSlice & NoticeSlice, [], [], StatusSlice> {
  return (set, get) => ({
    health: null,
    settingsView: null,
    notificationsOn: true,

    async loadNotificationSetting() {
      const r = await client.call('settings:get', {})
      if (r.ok) set({ notificationsOn: r.value.settings.notifications })
    },

    async refreshStatus() {
      const r = await client.call('workspace:status', {})
      if (r.ok) set({ health: r.value })
    },

    watchModeChanged(mode) {
      set((s) => (s.health ? { health: { ...s.health, watch: mode } } : s))
    },

    async openSettings() {
      const r = await client.call('settings:get', {})
      if (!r.ok) return get().notify({ kind: 'error', text: r.error.message })
      set({ settingsView: r.value, notificationsOn: r.value.settings.notifications })
    },

    closeSettings() {
      set({ settingsView: null })
    },

    async saveSettings(changes) {
      const r = await client.call('settings:set', changes)
      if (!r.ok) {
        get().notify({ kind: 'error', text: r.error.message })
        return false
      }
      set((s) => ({ settingsView: null, notificationsOn: changes.notifications ?? s.notificationsOn }))
      get().notify({
        kind: 'info',
        text: r.value.restartNeeded
          ? 'Settings saved. They apply when you open the folder again.'
          : 'Settings saved.'
      })
      return true
    }
  })
}
