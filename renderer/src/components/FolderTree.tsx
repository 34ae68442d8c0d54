import { useApp } from '../state/use-app'

/** The workspace's markdown documents; clicking one opens it. */
export function FolderTree() {
  const documents = useApp((s) => s.documents)
  const current = useApp((s) => s.current)
  const open = useApp((s) => s.open)
  return (
    <nav className="tree" aria-label="Documents">
      <h2>Documents</h2>
      {documents.length === 0 && <p className="muted">No .md files in this folder yet.</p>}
      <ul>
        {documents.map((d) => (
          <li key={d}>
            <button className={d === current ? 'active' : ''} onClick={() => void open(d)} title={d}>
              {d}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  )
}
