/**
 * The preview follows the editor only while it is shown: typing with the preview closed costs no
 * copy of the text, opening it shows what was typed (unsaved included), typing with it open updates
 * it after a pause, and another writer's save reaches it too. The file on disk gets the typing.
 */
import { expect, test } from './fixtures'
import { AFTER_AUTOSAVE_MS, FILE_LIMIT_MS, annAndBob, disk } from './everyday'
import { typeAtEndOf } from './writer'

test('the preview shows unsaved typing when opened, follows typing while open, and shows another writer’s save', async ({
  sectioned
}) => {
  const { a, b, errors } = await annAndBob(sectioned)
  await typeAtEndOf(a, 'Money is tight.', ' Closed-preview words.')
  await a.getByTestId('toggle-preview').click()
  const preview = a.getByTestId('preview')
  await expect(preview).toContainText('Money is tight. Closed-preview words.')
  await typeAtEndOf(a, 'Money is tight. Closed-preview words.', ' Open-preview words.')
  await expect(preview).toContainText('Closed-preview words. Open-preview words.')
  await expect
    .poll(() => disk(sectioned), { timeout: FILE_LIMIT_MS + AFTER_AUTOSAVE_MS })
    .toContain('Money is tight. Closed-preview words. Open-preview words.')
  // Bob saves the intro: Ann's preview shows it, her own typing kept.
  await typeAtEndOf(b, 'Hello from the intro.', ' Bob was here.')
  await b.keyboard.press('Control+s')
  await expect(preview).toContainText('Hello from the intro. Bob was here.', { timeout: FILE_LIMIT_MS })
  await expect(preview).toContainText('Open-preview words.')
  await sectioned.shot(a, 'preview-live')
  // Hidden again, typing goes on; reopened, the preview has it.
  await a.getByTestId('toggle-preview').click()
  await expect(preview).toHaveCount(0)
  await typeAtEndOf(a, 'Money is tight. Closed-preview words. Open-preview words.', ' Hidden again.')
  await a.getByTestId('toggle-preview').click()
  await expect(a.getByTestId('preview')).toContainText('Open-preview words. Hidden again.')
  await errors.check()
})
