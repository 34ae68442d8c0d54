/** Types for the markdown-it plugins that ship none (each is a plain `md.use` plugin). */
declare module 'markdown-it-footnote' {
  import type { PluginSimple } from 'markdown-it'
  const footnote: PluginSimple
  export default footnote
}
declare module 'markdown-it-deflist' {
  import type { PluginSimple } from 'markdown-it'
  const deflist: PluginSimple
  export default deflist
}
declare module 'markdown-it-task-lists' {
  import type { PluginWithOptions } from 'markdown-it'
  const taskLists: PluginWithOptions<{ enabled?: boolean; label?: boolean; labelAfter?: boolean }>
  export default taskLists
}
