import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'

/** Placeholder screen until the editor (app issue) lands: the renderer builds and type-checks from day one. */
function App() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 32 }}>
      <h1>Sectioned</h1>
      <p>Shared-folder markdown editing with section locks. The editor arrives with the next release.</p>
    </main>
  )
}

const root = document.getElementById('root')
if (root) createRoot(root).render(<StrictMode><App /></StrictMode>)
