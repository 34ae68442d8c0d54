/** `search`: the workspace search of the app (search:query), from a shell. */
import { contract } from '../../../shared/contract'
import { escapeJsonText, safe } from '../../../shared/escape-control'
import { ValidationError } from '../../../shared/errors'
import { DEFAULT_SEARCH_LIMIT, searchWorkspace } from '../../services/search/search-query'
import { UsageError, type ParsedArgs } from './args'
import { Exit, locateFolder, withServices, type CliIo } from './context'
import { ProgressLine } from './progress'

/**
 * `search <folder> <query…>`: sections whose heading, document path or text match every word
 * (case and accents ignored), grouped by document, best first, with who holds each. The index is
 * built for the command (in a worker thread) and the answer waits for it: exit 0 with or without
 * matches, 2 for an empty or too long query.
 */
export async function cmdSearch(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder, ...words] = args.positionals
  if (folder === undefined || words.length === 0)
    throw new UsageError('usage: sectioned search <folder> <query> [--limit N] [--json]')
  // The channel's own rules, so the CLI refuses exactly what a window would be refused.
  const req = contract['search:query'].request.safeParse({
    query: words.join(' '),
    limit: args.limit ?? DEFAULT_SEARCH_LIMIT
  })
  if (!req.success) throw new ValidationError(`Not a search: ${req.error.issues[0]?.message ?? 'bad query'}.`)
  const root = locateFolder(folder)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const line = new ProgressLine(io, 'indexing')
    const progress = s.search.events.on('progress', (p) => line.update(p.indexed, p.total, ''))
    try {
      await s.search.settled()
    } finally {
      progress.dispose()
      line.clear()
    }
    const r = await searchWorkspace(s, req.data.query, req.data.limit)
    if (args.json) {
      io.out(escapeJsonText(JSON.stringify(r, null, 2)) + '\n')
      return Exit.Ok
    }
    let sections = 0
    for (const d of r.results) {
      io.out(safe`${d.document}\n`)
      for (const x of d.sections) {
        sections++
        const held = x.holder ? safe`  [held by ${x.holder.user} on ${x.holder.host}]` : ''
        io.out(safe`  #${x.sectionId}  ${x.heading || '(preamble)'}` + held + '\n')
        io.out(safe`      ${x.snippet}\n`)
      }
    }
    const skipped = s.search.progress.skipped
    io.out(
      `${sections} sections in ${r.results.length} documents (${r.indexed} documents searched` +
        (skipped ? `, ${skipped} could not be read` : '') +
        ')\n'
    )
    return Exit.Ok
  })
}
