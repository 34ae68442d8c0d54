import { useEffect, useState } from 'react'
import { ConflictView } from './components/ConflictView'
import { EditorPane } from './components/EditorPane'
import { FolderTree } from './components/FolderTree'
import { HistoryPanel } from './components/HistoryPanel'
import { Notices } from './components/Notices'
import { Outline } from './components/Outline'
import { PreviewPane } from './components/PreviewPane'
import { QuickSwitcher } from './components/QuickSwitcher'
import { RequestsBar } from './components/RequestsBar'
import { SearchBox } from './components/SearchBox'
import { SettingsDialog } from './components/SettingsDialog'
import { StatusBar } from './components/StatusBar'
import { useApp } from './state/use-app'
import { folderName } from './state/folder-name'

/**
 * The writer's screen: documents and outline on the left, the editor in the middle, preview or a
 * section's history on the right, status below; requests, conflicts and settings over it.
 */
export function App({ transport }: { transport: 'electron' | 'web' }) {
  const loadWorkspace = useApp((s) => s.loadWorkspace)
  const loadPendingRequests = useApp((s) => s.loadPendingRequests)
  const openSettings = useApp((s) => s.openSettings)
  const reopenLast = useApp((s) => s.reopenLast)
  const info = useApp((s) => s.info)
  const history = useApp((s) => s.history !== null || s.deletedSections !== null)
  const [preview, setPreview] = useState(false)
  useEffect(() => {
    // The document shown last reopens at its place once the folder's documents are known.
    void loadWorkspace().then(() => reopenLast())
    void loadPendingRequests()
  }, [loadWorkspace, loadPendingRequests, reopenLast])
  const side = history ? 'history' : preview ? 'preview' : null
  return (
    <div className={`app ${side ? 'with-side' : ''}`}>
      <header>
        <h1>Sectioned</h1>
        {/* The folder's name, as file managers and editors title a window; the whole path on hover. */}
        <span className="muted" title={info?.root}>
          {info ? folderName(info.root) : null}
        </span>
        <span className="grow" />
        <button data-testid="toggle-preview" aria-pressed={preview} onClick={() => setPreview(!preview)}>
          {preview ? 'Hide preview' : 'Preview'}
        </button>
        <button data-testid="open-settings" onClick={() => void openSettings()}>
          Settings
        </button>
      </header>
      <aside className="sidebar">
        <SearchBox />
        <FolderTree />
        <Outline />
      </aside>
      <div className="center">
        <RequestsBar />
        <EditorPane />
        {/* Under the editor, in its own strip: a notice never covers the text being written. */}
        <Notices />
      </div>
      {side === 'history' && <HistoryPanel />}
      {side === 'preview' && <PreviewPane />}
      <StatusBar transport={transport} />
      <ConflictView />
      <SettingsDialog />
      <QuickSwitcher />
    </div>
  )
}
