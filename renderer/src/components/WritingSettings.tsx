import type { ResponseOf } from '../../../shared/contract'

type Settings = ResponseOf<'settings:get'>['settings']

/** Languages offered in the list; any other BCP 47 tag may be typed. */
const LANGUAGES = ['en-GB', 'en-US', 'de-DE', 'fr-FR', 'es-ES', 'it-IT', 'nl-NL', 'pt-BR', 'sv-SE', 'pl-PL']

/** The writing page's part of Settings: gutters for those who want them, spelling and its language. */
export function WritingSettings({ draft, setDraft }: { draft: Settings; setDraft: (s: Settings) => void }) {
  const check = (key: 'lineNumbers' | 'foldGutter' | 'spellcheck') => ({
    checked: draft[key],
    onChange: (e: { target: { checked: boolean } }) => setDraft({ ...draft, [key]: e.target.checked })
  })
  return (
    <fieldset className="writing-settings">
      <legend>Writing</legend>
      <label className="check">
        <input type="checkbox" data-testid="setting-line-numbers" {...check('lineNumbers')} />
        Show line numbers
      </label>
      <label className="check">
        <input type="checkbox" data-testid="setting-fold-gutter" {...check('foldGutter')} />
        Show fold markers beside headings
      </label>
      <label className="check">
        <input type="checkbox" data-testid="setting-spellcheck" {...check('spellcheck')} />
        Check spelling as I type
      </label>
      <label>
        Spelling language (empty: the system’s)
        <input
          data-testid="setting-spell-language"
          list="spell-languages"
          value={draft.spellLanguage}
          placeholder="e.g. en-GB"
          pattern="[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*"
          maxLength={35}
          disabled={!draft.spellcheck}
          onChange={(e) => setDraft({ ...draft, spellLanguage: e.target.value.trim() })}
        />
        <datalist id="spell-languages">
          {LANGUAGES.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
      </label>
    </fieldset>
  )
}
