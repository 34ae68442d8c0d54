/**
 * File commands of the CLI: `rename`/`mv` (with the document's history, under the document lock),
 * `rm` (to the app's trash), `trash` (list it), `restore`. Paths of documents are relative to the
 * workspace folder, written with `/`, as the app shows them.
 */
import { safe } from '../../../shared/escape-control'
import { need, UsageError, type ParsedArgs } from './args'
import { Exit, locateFolder, withServices, type CliIo } from './context'
import { table } from './format'

function requireUser(args: ParsedArgs): void {
  if (!args.user)
    throw new UsageError(`${args.command} needs --user NAME (who does it, recorded in the audit trail).`)
}

/** `rename <folder> <file> <newPath>` (and `mv`): renames or moves a document with its history. */
export async function cmdRename(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder, file, to] = need(args, ['folder', 'file', 'newPath'])
  requireUser(args)
  return withServices(locateFolder(folder), args, { start: true }, async (s) => {
    const r = await s.files.rename(file, to)
    io.out(args.json ? `${JSON.stringify(r)}\n` : safe`renamed ${r.from} → ${r.to}\n`)
    return Exit.Ok
  })
}

/** `rm <folder> <file>`: moves a document, with its history, to the app's trash. */
export async function cmdRemove(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder, file] = need(args, ['folder', 'file'])
  requireUser(args)
  return withServices(locateFolder(folder), args, { start: true }, async (s) => {
    const r = await s.files.trash(file)
    io.out(
      args.json
        ? `${JSON.stringify(r)}\n`
        : safe`moved ${r.document} to the trash (id ${r.id}); “sectioned restore ${folder} ${r.id}” puts it back\n`
    )
    return Exit.Ok
  })
}

/** `trash <folder>`: the trashed documents, newest first. */
export async function cmdTrash(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  return withServices(locateFolder(folder), args, { start: false, readOnly: true }, async (s) => {
    const entries = await s.files.trashList()
    if (args.json) io.out(`${JSON.stringify(entries)}\n`)
    else if (entries.length === 0) io.out('The trash is empty.\n')
    else
      io.out(
        table(
          ['ID', 'DOCUMENT', 'DELETED BY', 'AT'],
          entries.map((e) => [e.id, e.original, `${e.by} on ${e.host}`, e.at])
        )
      )
    return Exit.Ok
  })
}

/** `restore <folder> <id>`: puts a trashed document back where it was (refused if the name is taken). */
export async function cmdRestore(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder, id] = need(args, ['folder', 'id'])
  return withServices(locateFolder(folder), args, { start: true }, async (s) => {
    const r = await s.files.restore(id)
    io.out(args.json ? `${JSON.stringify(r)}\n` : safe`restored ${r.document}\n`)
    return Exit.Ok
  })
}
