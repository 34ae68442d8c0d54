import { useEffect } from 'react'
import { EditorPane } from './components/EditorPane'
import { FolderTree } from './components/FolderTree'
import { Notices } from './components/Notices'
import { Outline } from './components/Outline'
import { StatusBar } from './components/StatusBar'
import { useApp } from './state/use-app'

/** The writer's screen: documents and outline on the left, the editor in the middle, status below. */
export function App({ transport }: { transport: 'electron' | 'web' }) {
  const loadWorkspace = useApp((s) => s.loadWorkspace)
  const info = useApp((s) => s.info)
  useEffect(() => {
    void loadWorkspace()
  }, [loadWorkspace])
  return (
    <div className="app">
      <header>
        <h1>Sectioned</h1>
        <span className="muted">{info?.root}</span>
      </header>
      <aside className="sidebar">
        <FolderTree />
        <Outline />
      </aside>
      <EditorPane />
      <StatusBar transport={transport} />
      <Notices />
    </div>
  )
}
