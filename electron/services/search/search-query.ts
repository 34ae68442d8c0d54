/**
 * A search as the windows and the CLI ask it: the index's matches, each section with who holds it
 * now (from the lock folders of the matching documents only), so a result can show a badge.
 */
import type { ResponseOf } from '../../../shared/contract'
import type { AppServices } from '../app-services'
import { inspectLocks } from '../locks/lock-admin'

/** Sections answered when the caller names no limit. */
export const DEFAULT_SEARCH_LIMIT = 50

type Holder = NonNullable<ResponseOf<'search:query'>['results'][number]['sections'][number]['holder']>

/** Searches the workspace; see the `search:query` channel. */
export async function searchWorkspace(
  s: Pick<AppServices, 'search' | 'locks' | 'workspace'>,
  query: string,
  limit = DEFAULT_SEARCH_LIMIT
): Promise<ResponseOf<'search:query'>> {
  const found = await s.search.query(query, limit)
  const results = await Promise.all(
    found.results.map(async ({ document, sections }) => {
      const holders = await holdersOf(s, document)
      return {
        document,
        sections: sections.map((x) => ({
          ...x,
          holder: holders.get(x.sectionId) ?? holders.get(null) ?? null
        }))
      }
    })
  )
  return { results, indexed: found.indexed, total: found.total, building: found.building }
}

/** Holders of a document's section locks by section id, its document lock under null. */
async function holdersOf(
  s: Pick<AppServices, 'locks' | 'workspace'>,
  document: string
): Promise<Map<string | null, Holder>> {
  const out = new Map<string | null, Holder>()
  // A lock folder that cannot be read costs the badge, never the search.
  const views = await inspectLocks(s.locks, s.workspace, document).catch(() => [])
  for (const v of views) {
    if (v.kind === 'write' || !v.record || v.stale) continue
    const { ownerId, user, host, instanceId } = v.record.holder
    out.set(v.kind === 'document' ? null : v.sectionId, {
      ownerId,
      user,
      host,
      instanceId,
      since: v.record.acquiredAt
    })
  }
  return out
}
