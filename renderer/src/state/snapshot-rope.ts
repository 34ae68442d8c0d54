/**
 * The window's copy of the document keeps its text as a rope (CodeMirror's `Text`, split at "\n"
 * only, so a "\r" stays a character of its line and the copy stays byte-for-byte the file's): a
 * remote save or this window's own save splices the changed sections into it (O(log n)) instead of
 * building the whole 5 MB string again, which was a few milliseconds of every remote save's long
 * task. The `text` string is built from the rope the first time something reads it (the preview,
 * an export, a whole-document reconcile) and kept.
 */
import { Text } from '@codemirror/state'
import type { ResponseOf } from '../../../shared/contract'
import { planChanges, planSavedRun, type SnapshotPatch } from '../../../shared/patch-snapshot'

type Snapshot = ResponseOf<'documents:open'>
type Changes = Extract<ResponseOf<'documents:changes'>, { kind: 'sections' }>
type SaveAnswer = ResponseOf<'sections:save'>

const ropes = new WeakMap<Snapshot, Text>()

const toRope = (text: string) => Text.of(text.split('\n'))

/** The rope of `snapshot`'s text (built from the string the first time, for a snapshot as read). */
export function ropeOf(snapshot: Snapshot): Text {
  let rope = ropes.get(snapshot)
  if (!rope) {
    rope = toRope(snapshot.text)
    ropes.set(snapshot, rope)
  }
  return rope
}

/**
 * Builds the rope of a snapshot as read (`documents:open`) when the page is idle, so the first
 * remote save after an open does not split 5 MB into lines inside its own task.
 */
export function ropeWhenIdle(snapshot: Snapshot): void {
  if (ropes.has(snapshot) || typeof requestIdleCallback !== 'function') return
  requestIdleCallback(() => void ropeOf(snapshot))
}

/** `snapshot` with patch `p` applied: the same fields, the rope spliced, the string built when read. */
function applyToRope(snapshot: Snapshot, p: SnapshotPatch): Snapshot {
  let rope = ropeOf(snapshot)
  // From the last splice back: each one's range is still in the old text's offsets.
  for (let k = p.splices.length - 1; k >= 0; k--) {
    const x = p.splices[k]
    rope = rope.replace(x.from, x.to, toRope(x.text))
  }
  // Every field but the text (spreading `snapshot` would read its text, building the string).
  const { text: _text, ...fields } = Object.getOwnPropertyDescriptors(snapshot)
  const out = Object.defineProperties({}, fields) as Snapshot
  Object.assign(out, p.fields, { sections: p.sections })
  let text: string | null = null
  Object.defineProperty(out, 'text', {
    enumerable: true,
    configurable: true,
    get: () => (text ??= rope.sliceString(0))
  })
  ropes.set(out, rope)
  return out
}

/** `patchSnapshot` on the rope (see the module comment): null when the changes do not apply. */
export function patchRope(snapshot: Snapshot, changes: Changes): Snapshot | null {
  const p = planChanges(snapshot, changes)
  return p && applyToRope(snapshot, p)
}

/** `patchSavedRun` on the rope: null when the save was not applied onto this copy. */
export function patchSavedRope(
  snapshot: Snapshot,
  ids: readonly string[],
  answer: SaveAnswer
): Snapshot | null {
  const p = planSavedRun(snapshot, ids, answer)
  return p && applyToRope(snapshot, p)
}

/** `snapshot` with other locks (the text is the same rope). */
export function withLocks(snapshot: Snapshot, locks: Snapshot['locks']): Snapshot {
  return applyToRope(snapshot, { sections: snapshot.sections, splices: [], fields: { locks } })
}
