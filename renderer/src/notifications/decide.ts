/**
 * When an event becomes an OS notification, and what it says. Pure: the caller says whether
 * notifications are on, whether the window is in the foreground and which causes were already
 * shown; the answer is a notification or null. In the foreground the in-app bar and notices are
 * enough; in the background each cause is shown at most once.
 */
import type { EventOf } from '../../../shared/contract'

/** Why a notification may be shown: an edit request, or a section this window held is gone. */
export type NotifyCause =
  | { kind: 'request'; request: EventOf<'edit:requested'> }
  | {
      kind: 'lost'
      document: string
      sectionId: string
      /** The section's heading as this window knows it; null when it does not. */
      heading: string | null
      reason: string
      newHolder: { user: string; host: string } | null
    }
  | { kind: 'idle-released'; document: string; sectionId: string; heading: string | null }

/** One OS notification: its text, the cause it stands for, and where a click takes the writer. */
export interface OsNotice {
  /** One per cause: a second notice with the same key is never shown (and replaces it in the OS). */
  key: string
  title: string
  body: string
  document: string
  sectionId: string
}

/** What the decision depends on besides the cause. */
export interface NotifyContext {
  /** The writer's setting. */
  enabled: boolean
  /** The window is visible and focused: the writer sees the in-app bar. */
  foreground: boolean
  /** Keys already shown while the window was in the background. */
  shown: ReadonlySet<string>
}

/** The notification for `cause`, or null when none should be shown. */
export function decideNotification(cause: NotifyCause, ctx: NotifyContext): OsNotice | null {
  if (!ctx.enabled || ctx.foreground) return null
  const notice = noticeFor(cause)
  return ctx.shown.has(notice.key) ? null : notice
}

/** The text of a cause's notification, naming the section by its heading, never by its id. */
export function noticeFor(cause: NotifyCause): OsNotice {
  if (cause.kind === 'request') {
    const { id, document, sectionId, heading, from } = cause.request
    return {
      key: `request:${id}`,
      title: `${from.user} asks for “${sectionLabel(heading, sectionId)}”`,
      body: `${from.user} on ${from.host} would like to edit “${sectionLabel(heading, sectionId)}” in ${document}. Open Sectioned to release it or keep editing.`,
      document,
      sectionId
    }
  }
  const { document, sectionId } = cause
  const name =
    cause.heading === null ? `a section of ${document}` : `“${sectionLabel(cause.heading, sectionId)}”`
  if (cause.kind === 'idle-released') {
    return {
      key: `idle:${document}:${sectionId}`,
      title: `${capitalise(name)} was released`,
      body: `No edits for a while, so ${name} in ${document} was released for others. Type in it to take it again.`,
      document,
      sectionId
    }
  }
  const who = cause.newHolder ? ` ${cause.newHolder.user} on ${cause.newHolder.host} has it now.` : ''
  return {
    key: `lost:${document}:${sectionId}`,
    title: `You lost ${name}`,
    body: `${capitalise(cause.reason.replace(/\.$/, ''))}.${who} Your text is kept in the window.`,
    document,
    sectionId
  }
}

/** A heading as a writer reads it: the preamble has none. */
function sectionLabel(heading: string, sectionId: string): string {
  return heading || (sectionId === 'preamble' ? 'the text before the first heading' : 'an untitled section')
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1)
}
