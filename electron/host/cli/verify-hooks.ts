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
import type { DocumentCheck, DocumentRepair } from '../../services/core/verify-findings'

/** Checks run by `verify` (and `verify --repair`) on every document folder. */
export const DOCUMENT_CHECKS: readonly DocumentCheck[] = [
  // HOOK (documents, index checker): validate the section index against its file, e.g.
  //   {
  //     name: 'section index',
  //     check: async ({ ws, document }) =>
  //       document === null ? [] : (await checkIndex(ws, document)).map((p) => ({
  //         file: ws.indexFile(document), problem: p.problem,
  //         advice: 'the app does not trust it and rebuilds it from the document'
  //       }))
  //   },
  // HOOK (documents, save intents): report unfinished saves (read-only), e.g. an intent record
  //   whose save landed but whose history is missing, with advice '`sectioned verify --repair`
  //   completes it'.
]

/** Repairs run by `verify --repair` on every document folder, before the checks. */
export const DOCUMENT_REPAIRS: readonly DocumentRepair[] = [
  // HOOK (documents, save intents): complete or discard unfinished saves, e.g.
  //   {
  //     name: 'unfinished saves',
  //     repair: async ({ ws, document }) =>
  //       document === null ? [] : (await repairIntents(ws, document)).map((r) => ({
  //         file: r.file, repaired: r.done, detail: r.detail
  //       }))
  //   },
]
