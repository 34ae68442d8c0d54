import type { StateCreator } from 'zustand'
import type { EventOf, ResponseOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'
import type { NoticeSlice } from './notices'
import type { WritingSlice } from './writing'

/** What the status bar shows beyond the connection: watching, heartbeat health, save speed. */
export interface StatusSlice {
  health: ResponseOf<'workspace:status'> | null
  settingsView: ResponseOf<'settings:get'> | null
  /** The writer's notifications setting (on until the settings say otherwise). */
  notificationsOn: boolean
  /**
   * Reads the settings a window follows itself (notifications, the writing page) at start; Settings
   * keeps them up to date after.
   */
  loadNotificationSetting(): Promise<void>
  refreshStatus(): Promise<void>
  watchModeChanged(mode: EventOf<'watch:mode'>): void
  openSettings(): Promise<void>
  closeSettings(): void
  /** Stores settings; true when stored (notifications and the page at once, the rest on reopening). */
  saveSettings(changes: Partial<ResponseOf<'settings:get'>['settings']>): Promise<boolean>
}

/** The status slice. */
export function createStatusSlice(
  client: SectionedClient
): StateCreator<StatusSlice & NoticeSlice & WritingSlice, [], [], StatusSlice> {
  return (set, get) => ({
    health: null,
    settingsView: null,
    notificationsOn: true,

    async loadNotificationSetting() {
      const r = await client.call('settings:get', {})
      if (!r.ok) return
      set({ notificationsOn: r.value.settings.notifications })
      get().applyWritingSettings(r.value.settings)
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
      get().applyWritingSettings(changes)
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
