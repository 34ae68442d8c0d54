import type { StateCreator } from 'zustand'
import type { ResponseOf } from '../../../shared/contract'
import type { SectionedClient } from '../ipc/client'
import type { ConnectionStatus } from '../ipc/transport'
import type { NoticeSlice } from './notices'

/** The workspace as the status bar and folder tree show it. */
export interface WorkspaceSlice {
  status: ConnectionStatus
  info: ResponseOf<'workspace:info'> | null
  documents: string[]
  /** Every folder of the workspace (empty ones too), for the tree. */
  folders: string[]
  loadWorkspace(): Promise<void>
}

/** The workspace slice: connection status, who we are, the document list. */
export function createWorkspaceSlice(
  client: SectionedClient
): StateCreator<WorkspaceSlice & NoticeSlice, [], [], WorkspaceSlice> {
  return (set, get) => ({
    status: 'connecting',
    info: null,
    documents: [],
    folders: [],
    async loadWorkspace() {
      const [info, docs] = await Promise.all([
        client.call('workspace:info', {}),
        client.call('documents:list', {})
      ])
      if (!info.ok) return get().notify({ kind: 'error', text: info.error.message })
      if (!docs.ok) return get().notify({ kind: 'error', text: docs.error.message })
      set({ info: info.value, documents: docs.value.documents, folders: docs.value.folders })
    }
  })
}
