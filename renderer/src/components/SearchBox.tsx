import { useEffect, useState } from 'react'
import { useApp } from '../state/use-app'

/** How long typing pauses before the query is sent. */
const TYPING_PAUSE_MS = 200

/**
 * Workspace search in the sidebar: results grouped by document, each section with who holds it;
 * clicking one opens the document at that section.
 */
export function SearchBox() {
  const search = useApp((s) => s.search)
  const runSearch = useApp((s) => s.runSearch)
  const goToResult = useApp((s) => s.goToResult)
  const [query, setQuery] = useState('')
  useEffect(() => {
    const timer = setTimeout(() => void runSearch(query), TYPING_PAUSE_MS)
    return () => clearTimeout(timer)
  }, [query, runSearch])
  const shown = search && search.query === query ? search : null
  return (
    <section className="search" aria-label="Search">
      <input
        type="search"
        data-testid="search-input"
        placeholder="Search all documents"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {shown && (
        <div data-testid="search-results">
          {shown.building && (
            <p className="muted">
              Indexing… {shown.indexed} of {shown.total} documents
            </p>
          )}
          {!shown.building && shown.results.length === 0 && <p className="muted">Nothing found.</p>}
          {shown.results.map((d) => (
            <div key={d.document} className="search-doc">
              <h3 title={d.document}>{d.document}</h3>
              <ul>
                {d.sections.map((x) => (
                  <li key={x.sectionId}>
                    <button
                      className="link"
                      data-testid="search-result"
                      data-section={x.sectionId}
                      onClick={() => void goToResult(d.document, x.sectionId)}
                    >
                      <strong>{x.heading || 'Preamble'}</strong>
                      {x.holder && <span className="badge"> {x.holder.user}</span>}
                      <span className="muted snippet">{x.snippet}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </div>
      )}
    </section>
  )
}
