import { openWorkspace } from '../electron/services/app-services'
import type { ReportedSave } from './worker-contend'

/**
 * Counts saves that were reported as successful but are not where they must be: a version missing
 * from history or with other content, two saves reported under one version number (one overwrote
 * the other), or a section whose text in the file is not its newest reported save.
 */
export async function lostSaves(
  folder: string,
  doc: string,
  saves: readonly ReportedSave[]
): Promise<number> {
  const s = await openWorkspace({ folder, user: 'verifier', start: false, readOnly: true })
  try {
    let lost = 0
    const newest = new Map<string, ReportedSave>()
    const seen = new Set<string>()
    for (const save of saves) {
      const key = `${save.sectionId}@${save.version}`
      if (seen.has(key)) {
        lost++
        continue
      }
      seen.add(key)
      // `get` verifies the version's checksum: a damaged version counts as lost too.
      const record = await s.history.get(doc, save.sectionId, save.version).catch(() => null)
      if (record?.sha256 !== save.sha256) lost++
      const before = newest.get(save.sectionId)
      if (!before || before.version < save.version) newest.set(save.sectionId, save)
    }
    const { sections } = await s.documents.read(doc)
    for (const [sectionId, save] of newest) {
      if (sections.find((x) => x.id === sectionId)?.sha256 !== save.sha256) lost++
    }
    return lost
  } finally {
    await s.dispose()
  }
}
