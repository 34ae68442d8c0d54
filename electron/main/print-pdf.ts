/**
 * PDF export in Electron: the window's own page printed by `webContents.printToPDF` — the print
 * CSS (renderer/src/preview/preview.css) leaves only the preview's document on the page. The bytes
 * go back to the window, which saves them as a download (Electron asks where).
 */
import { webContents } from 'electron'

/** The PDF of the window whose webContents id is `clientId`; null when that window is gone. */
export async function printWindowToPdf(clientId: string): Promise<Uint8Array | null> {
  const contents = webContents.fromId(Number(clientId))
  if (!contents || contents.isDestroyed()) return null
  return contents.printToPDF({ printBackground: false, pageSize: 'A4', generateDocumentOutline: true })
}
