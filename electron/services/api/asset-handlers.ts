/**
 * The contract's image and export channels: images a document links to (read for the preview),
 * images pasted into a held section (saved under the images folder), and pandoc's DOCX/ODT export.
 */
import path from 'node:path'
import type { AppServices } from '../app-services'
import { readSettings } from '../settings/app-settings'
import { readAsset, saveImage } from '../files/assets'
import { convertWithPandoc, PANDOC_FORMATS, pandocStatus } from '../export/pandoc'
import type { CallContext } from './dispatcher-types'
import type { Handlers } from './handlers'

/** The channels answered here. */
type AssetChannel = 'files:asset' | 'files:save-image' | 'export:formats' | 'export:convert' | 'export:pdf'

/** What the asset handlers need from the rest: the host's settings file and the lock check. */
export interface AssetHooks {
  settingsFile: string | null
  /** Throws unless the calling window holds `sectionId` of `document`. */
  assertHeld(document: string, sectionId: string, ctx: CallContext): void
  /** The calling window printed to PDF; null where the host makes none. */
  printToPdf(clientId: string): Promise<Uint8Array | null>
}

/** The handlers of the image and export channels. */
export function createAssetHandlers(s: AppServices, hooks: AssetHooks): Pick<Handlers, AssetChannel> {
  return {
    'files:asset': async (req) => {
      const asset = await readAsset(s.workspace, req.document, req.src)
      return { path: asset.path, mime: asset.mime, data: asset.data.toString('base64') }
    },
    'files:save-image': async (req, ctx) => {
      hooks.assertHeld(req.document, req.sectionId, ctx)
      const folder = hooks.settingsFile ? (await readSettings(hooks.settingsFile)).assetsFolder : undefined
      const data = Buffer.from(req.data, 'base64')
      return saveImage(s.workspace, req.document, folder, { name: req.name, mime: req.mime, data })
    },
    'export:formats': async () => {
      const st = await pandocStatus()
      return { pandoc: st.available, version: st.version, reason: st.reason }
    },
    'export:pdf': async (_req, ctx) => {
      const pdf = await hooks.printToPdf(ctx.clientId)
      return { data: pdf ? Buffer.from(pdf).toString('base64') : null }
    },
    'export:convert': async (req) => {
      const doc = s.workspace.resolveDocument(req.document).rel
      const markdown = req.sectionId
        ? (await s.documents.section(doc, req.sectionId)).text
        : (await s.documents.read(doc)).text
      const data = await convertWithPandoc(markdown, req.to, async (src) => readAsset(s.workspace, doc, src))
      const stem = path.posix.basename(doc).replace(/\.(md|markdown)$/i, '')
      return {
        fileName: `${stem}${req.sectionId ? `-${req.sectionId}` : ''}.${req.to}`,
        mime: PANDOC_FORMATS[req.to],
        data: data.toString('base64')
      }
    }
  }
}
