import { parser } from '@lezer/markdown'
import { describe, expect, it } from 'vitest'
import { frontMatter } from './front-matter'

const tree = (text: string) => parser.configure([frontMatter]).parse(text).toString()

describe('front matter in the editor’s markdown parser', () => {
  it('is a FrontMatter block, not a rule and a setext heading', () => {
    expect(tree('---\ntitle: x\n---\n# H\n\ntext')).toBe(
      'Document(FrontMatter(FrontMatterMark,FrontMatterMark),ATXHeading1(HeaderMark),Paragraph)'
    )
    expect(tree('---\ntitle: x\n...\ntext')).toBe(
      'Document(FrontMatter(FrontMatterMark,FrontMatterMark),Paragraph)'
    )
  })

  it('only at the very start of the document', () => {
    expect(tree('text\n\n---\ntitle: x\n---\n')).toBe(
      'Document(Paragraph,HorizontalRule,SetextHeading2(HeaderMark))'
    )
    expect(tree('> ---\n> a\n> ---')).not.toContain('FrontMatter')
  })
})
