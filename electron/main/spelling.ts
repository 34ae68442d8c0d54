/**
 * Chromium's spell checker for the editor: the language from Settings (`spellLanguage`, '' follows
 * the system), on or off with `spellcheck`, and a context menu with the suggestions for a misspelt
 * word and "Add to Dictionary". The menu template is a pure function (unit-tested); attaching it
 * and the session calls need the Electron binary.
 */
import type { ContextMenuParams, MenuItemConstructorOptions } from 'electron'

/** The settings the spell checker follows. */
export interface SpellSettings {
  spellcheck?: boolean
  spellLanguage?: string
}

/** The part of Electron's Session used here (a fake in tests). */
export interface SpellSession {
  readonly availableSpellCheckerLanguages: string[]
  setSpellCheckerEnabled(enable: boolean): void
  setSpellCheckerLanguages(languages: string[]): void
  addWordToSpellCheckerDictionary(word: string): boolean
}

/**
 * The dictionary to use for `tag` among those Chromium has: the tag itself, else the first of the
 * same language ("de" → "de-DE", "en-AU" → "en-AU" or "en-GB"…); null when there is none.
 */
export function pickDictionary(tag: string, available: readonly string[]): string | null {
  const want = tag.toLowerCase()
  const exact = available.find((l) => l.toLowerCase() === want)
  if (exact) return exact
  const base = want.split('-')[0]
  return available.find((l) => l.toLowerCase().split('-')[0] === base) ?? null
}

/**
 * Applies `settings` to the session; returns a line for the log when the language has no
 * dictionary (the spell checker then keeps the languages it had). macOS uses the system's checker,
 * where setting languages does nothing.
 */
export function applySpellSettings(session: SpellSession, settings: SpellSettings): string | null {
  if (settings.spellcheck !== undefined) session.setSpellCheckerEnabled(settings.spellcheck)
  const tag = settings.spellLanguage
  if (!tag || process.platform === 'darwin') return null
  const dictionary = pickDictionary(tag, session.availableSpellCheckerLanguages)
  if (!dictionary) return `no spelling dictionary for “${tag}”; the spell checker keeps its languages`
  session.setSpellCheckerLanguages([dictionary])
  return null
}

/** What the context menu does (the window's webContents and session in the app). */
export interface SpellMenuActions {
  replace(word: string): void
  addToDictionary(word: string): void
}

/**
 * The editor's context menu: suggestions for the misspelt word under the pointer (or a greyed "No
 * suggestions") and "Add to Dictionary", then the usual edit items for editable text, or Copy for a
 * selection elsewhere. Empty when there is nothing to offer (no menu is shown then).
 */
export function contextMenuTemplate(
  params: Pick<
    ContextMenuParams,
    'misspelledWord' | 'dictionarySuggestions' | 'isEditable' | 'selectionText'
  >,
  actions: SpellMenuActions
): MenuItemConstructorOptions[] {
  const items: MenuItemConstructorOptions[] = []
  const word = params.misspelledWord
  if (word) {
    const suggestions = params.dictionarySuggestions.slice(0, 6)
    for (const s of suggestions) items.push({ label: s, click: () => actions.replace(s) })
    if (suggestions.length === 0) items.push({ label: 'No suggestions', enabled: false })
    items.push({ type: 'separator' })
    items.push({ label: 'Add to Dictionary', click: () => actions.addToDictionary(word) })
    items.push({ type: 'separator' })
  }
  if (params.isEditable)
    items.push(
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      { type: 'separator' },
      { role: 'selectAll' }
    )
  else if (params.selectionText.trim()) items.push({ role: 'copy' })
  return items
}
