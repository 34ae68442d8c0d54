/** The document electron/services/documents/document-service and document-run-saves tests start from: front matter, a fence, setext. */
export const DOC = 'report.md'
export const ORIGINAL = [
  '---',
  'title: Report',
  '# not a heading',
  '---',
  'Intro paragraph.',
  '',
  '# Budget',
  '',
  'Money.',
  '',
  '```sh',
  '# a comment, not a heading',
  '```',
  '',
  'Timeline',
  '========',
  '',
  'Soon.',
  '',
  '## Risks',
  '',
  'Some.',
  ''
].join('\n')
