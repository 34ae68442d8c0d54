/**
 * `export <folder> <file> --to html|docx|odt [--out F] [--section ID] [--force]`: a document (or one
 * section) converted by pandoc, its images inlined through the workspace's confinement as in the
 * app. Writes `<name>.<ext>` in the current folder unless `--out` says where; never over an
 * existing file without `--force`.
 */
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ValidationError } from '../../../shared/errors'
import { readAsset } from '../../services/files/assets'
import { convertWithPandoc, PANDOC_FORMATS, type PandocFormat } from '../../services/export/pandoc'
import { need, UsageError, type ParsedArgs } from './args'
import { Exit, locateFolder, withServices, type CliIo } from './context'
import { safe } from '../../../shared/escape-control'

function isFormat(to: string | undefined): to is PandocFormat {
  return to !== undefined && Object.prototype.hasOwnProperty.call(PANDOC_FORMATS, to)
}

/** `export`: see the module comment. */
export async function cmdExport(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder, file] = need(args, ['folder', 'file'])
  const to = args.to
  if (!isFormat(to)) throw new UsageError('export needs --to html, --to docx or --to odt.')
  const root = locateFolder(folder)
  return withServices(root, args, { start: false, readOnly: true }, async (s) => {
    const doc = s.workspace.resolveDocument(file).rel
    const markdown = args.section
      ? (await s.documents.section(doc, args.section)).text
      : (await s.documents.read(doc)).text
    const stem = path.posix.basename(doc).replace(/\.(md|markdown)$/i, '')
    const data = await convertWithPandoc(markdown, to, (src) => readAsset(s.workspace, doc, src), {
      title: stem
    })
    const out = path.resolve(args.out ?? `${stem}${args.section ? `-${args.section}` : ''}.${to}`)
    try {
      await fs.writeFile(out, data, { flag: args.force ? 'w' : 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new ValidationError(`${out} exists already; pass --force to replace it.`)
      throw err
    }
    io.out(safe`exported ${doc} to ${out}\n`)
    return Exit.Ok
  })
}
