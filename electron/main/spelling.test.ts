import { describe, expect, it, vi } from 'vitest'
import { applySpellSettings, contextMenuTemplate, pickDictionary, type SpellSession } from './spelling'

const AVAILABLE = ['en-GB', 'en-US', 'de-DE', 'fr', 'pt-BR']

describe('pickDictionary', () => {
  it('takes the tag itself, else the first of the same language, else none', () => {
    expect(pickDictionary('en-us', AVAILABLE)).toBe('en-US')
    expect(pickDictionary('de', AVAILABLE)).toBe('de-DE')
    expect(pickDictionary('fr-CA', AVAILABLE)).toBe('fr')
    expect(pickDictionary('ja', AVAILABLE)).toBeNull()
  })
})

describe('applySpellSettings', () => {
  const fake = (): SpellSession & { languages: string[]; enabled: boolean | null } => ({
    availableSpellCheckerLanguages: AVAILABLE,
    languages: [],
    enabled: null,
    setSpellCheckerEnabled(on) {
      this.enabled = on
    },
    setSpellCheckerLanguages(l) {
      this.languages = l
    },
    addWordToSpellCheckerDictionary: () => true
  })

  it.skipIf(process.platform === 'darwin')('turns the checker on or off and sets the language', () => {
    const s = fake()
    expect(applySpellSettings(s, { spellcheck: true, spellLanguage: 'de' })).toBeNull()
    expect(s).toMatchObject({ enabled: true, languages: ['de-DE'] })
    expect(applySpellSettings(s, { spellLanguage: 'ja' })).toMatch(/no spelling dictionary for “ja”/)
    expect(s.languages).toEqual(['de-DE'])
    applySpellSettings(s, { spellcheck: false })
    expect(s.enabled).toBe(false)
  })
})

describe('contextMenuTemplate', () => {
  const base = { misspelledWord: '', dictionarySuggestions: [], isEditable: true, selectionText: '' }

  it('offers the suggestions and Add to Dictionary for a misspelt word, then the edit items', () => {
    const replace = vi.fn()
    const addToDictionary = vi.fn()
    const t = contextMenuTemplate(
      { ...base, misspelledWord: 'speling', dictionarySuggestions: ['spelling', 'spieling'] },
      { replace, addToDictionary }
    )
    expect(t.map((i) => i.label ?? i.role ?? i.type)).toEqual([
      'spelling',
      'spieling',
      'separator',
      'Add to Dictionary',
      'separator',
      'cut',
      'copy',
      'paste',
      'separator',
      'selectAll'
    ])
    t[0]?.click?.({} as never, undefined, {} as never)
    t[3]?.click?.({} as never, undefined, {} as never)
    expect(replace).toHaveBeenCalledWith('spelling')
    expect(addToDictionary).toHaveBeenCalledWith('speling')
  })

  it('says when there are no suggestions; copy only for read-only text; nothing for nothing', () => {
    const actions = { replace: vi.fn(), addToDictionary: vi.fn() }
    const none = contextMenuTemplate({ ...base, misspelledWord: 'qwzx' }, actions)
    expect(none[0]).toMatchObject({ label: 'No suggestions', enabled: false })
    expect(contextMenuTemplate({ ...base, isEditable: false, selectionText: 'a b' }, actions)).toEqual([
      { role: 'copy' }
    ])
    expect(contextMenuTemplate({ ...base, isEditable: false }, actions)).toEqual([])
  })
})
