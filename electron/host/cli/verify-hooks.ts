/**
 * HOOK POINTS: the checks and repairs other modules plug into `sectioned verify` and
 * `sectioned verify --repair`. Each runs once per document data folder (`.sectioned/docs/<docKey>`),
 * between the built-in checks and the progress update, so a Ctrl+C never stops one half-way.
 * A context gives `ws`, `docKey`, `docDir`, `document` (workspace-relative path, or null when no
 * document of the workspace has this folder: renamed or deleted) and `shareNow()` (the share's
 * clock, for grace periods; null on a read-only share).
 *
 * A check returns Findings ({ file, problem, advice }: one line each, no trailing period) and must
 * not write; a repair returns RepairOutcomes ({ file, repaired, detail }) and must be safe while
 * instances of the app work on the share. Repairs run before checks, so a check reports only what
 * its repair left. Plain `verify` runs the checks only.
 */
import type { DocumentService } from '../../services/documents/document-service'
import { indexProblems } from '../../services/documents/index-check'
import { IndexStore } from '../../services/documents/index-store'
import { pendingIntents } from '../../services/documents/save-intent'
import { readFileOrNull, READ_LIMITS } from '../../services/core/share-fs'
import { sha256Hex } from '../../services/sections/section-index'
import type { DocumentCheck, DocumentRepair } from '../../services/core/verify-findings'

/** Checks run by `verify` (and `verify --repair`) on every document folder. */
export const DOCUMENT_CHECKS: readonly DocumentCheck[] = [
  {
    name: 'unfinished saves',
    check: async ({ ws, document }) =>
      document === null
        ? []
        : (await pendingIntents(ws, document)).map((file) => ({
            file,
            problem: 'an unfinished save: it may have reached the document without its history versions',
            advice: '`sectioned verify --repair` (or the next save of the document) completes or drops it'
          }))
  },
  {
    name: 'section index',
    check: async ({ ws, document }) => {
      if (document === null) return []
      const index = await new IndexStore(ws).read(document)
      const buf = await readFileOrNull(ws.resolveDocument(document).abs, READ_LIMITS.document).catch(
        () => null
      )
      if (!index || !buf || index.fileSha256 !== sha256Hex(buf)) return [] // not for this file: rebuilt anyway
      return indexProblems(buf, index).map((problem) => ({
        file: ws.indexFile(document),
        problem: `the section index lies about its file: ${problem}`,
        advice: 'the app does not trust it and rebuilds it from the document at the next save'
      }))
    }
  }
]

/** Repairs run by `verify --repair` on every document folder, before the checks. */
export const DOCUMENT_REPAIRS: readonly DocumentRepair[] = []

/** Repairs that need the running services: unfinished saves are finished under the write mutex. */
export function serviceRepairs(documents: DocumentService): DocumentRepair[] {
  return [
    {
      name: 'unfinished saves',
      repair: async ({ document }) =>
        document === null
          ? []
          : (await documents.repairIntents(document)).map((r) => ({
              file: r.file,
              repaired: r.outcome === 'completed' || r.outcome === 'discarded',
              detail: r.detail
            }))
    }
  ]
}
