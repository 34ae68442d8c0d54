/** `who`: who has which document open right now (presence), from a shell. */
import { escapeJsonText } from '../../../shared/escape-control'
import { readPresent } from '../../services/presence/presence-admin'
import { need, type ParsedArgs } from './args'
import { Exit, locateFolder, withServices, type CliIo } from './context'
import { table } from './format'

/** Where a window is, in words: the heading its cursor is in (never the section's text). */
function placeText(heading: string | null): string {
  if (heading === null) return 'has it open'
  return heading.trim() === '' ? 'in the text before the first heading' : `in “${heading.trim()}”`
}

/**
 * `who <folder> [--json]`: the running instances of the app on the folder and, for each window, the
 * document it has open and the heading its cursor is in. Records that do not count (stale, damaged,
 * of an ended process) are counted on stderr, listed with `--json`. Exit 0, 2 for a missing folder.
 */
export async function cmdWho(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  return withServices(locateFolder(folder), args, { start: false, readOnly: true }, async (s) => {
    const r = await readPresent(s.workspace, s.identity, s.locks.settings.staleAfterBeats)
    if (args.json) {
      io.out(escapeJsonText(JSON.stringify(r, null, 2)) + '\n')
      return Exit.Ok
    }
    const rows = r.present.flatMap((p) => {
      const who = `${p.user} on ${p.host}`
      if (p.documents.length === 0) return [[who, '(no document open)', '']]
      return p.documents.map((d) => [who, d.document, placeText(d.heading)])
    })
    if (rows.length === 0) io.out('Nobody has the folder open.\n')
    else io.out(table(['WHO', 'DOCUMENT', 'WHERE'], rows))
    if (r.ignored.length > 0)
      io.err(
        `${r.ignored.length} presence record(s) not counted (stale, damaged or ended; --json says which)\n`
      )
    return Exit.Ok
  })
}
