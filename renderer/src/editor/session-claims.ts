/**
 * The claims of a session: the free sections an edit touched while their locks are being taken,
 * and for each claim one ChangeSet that undoes exactly its edits in the current document — every
 * transaction that touched it, inverted and composed, mapped through everything that happened
 * since. Claims that one edit touches together merge. Pure bookkeeping: no services, no view.
 */
import { ChangeSet } from '@codemirror/state'
import type { Claim as ClaimEffectValue } from './lock-state'

/** A claim: the sections it asks for, those granted, and how to undo its edits. */
export interface Claim {
  id: number
  ids: Set<string>
  granted: Set<string>
  /** Applied to the current document, reverts every change of this claim. */
  rollback: ChangeSet
}

/** What a transaction says about claims (`before` is not needed here). */
export type ClaimEffect = Omit<ClaimEffectValue, 'before'>

/** See the module comment. */
export class ClaimBook {
  private readonly claims = new Map<number, Claim>()

  /** The claim with this number, if it is still open. */
  get(id: number): Claim | undefined {
    return this.claims.get(id)
  }

  /** The claim that asks for `sectionId` now (claims merge, so look it up when the answer comes). */
  of(sectionId: string): Claim | undefined {
    for (const c of this.claims.values()) if (c.ids.has(sectionId)) return c
    return undefined
  }

  /**
   * Records one transaction: claims it does not touch map their rollback through it; the claim it
   * touches (`effect`, merging those in `effect.join`) adds its inverse. Returns the sections newly
   * asked for, whose locks the caller takes.
   */
  record(effect: ClaimEffect | undefined, changes: ChangeSet, inverse: ChangeSet): string[] {
    for (const c of this.claims.values()) {
      if (effect && (c.id === effect.claim || effect.join.includes(c.id))) continue
      c.rollback = c.rollback.map(changes)
    }
    if (!effect) return []
    let c = this.claims.get(effect.claim)
    // Merged claims: one rollback undoing both, applied to the document before this change.
    for (const j of effect.join) {
      const other = this.claims.get(j)
      if (!other) continue
      if (c) {
        c.rollback = c.rollback.compose(other.rollback.map(c.rollback))
        for (const id of other.ids) c.ids.add(id)
        for (const id of other.granted) c.granted.add(id)
      } else c = { ...other, id: effect.claim }
      this.claims.delete(j)
    }
    c ??= { id: effect.claim, ids: new Set(), granted: new Set(), rollback: ChangeSet.empty(changes.length) }
    this.claims.set(effect.claim, c)
    c.rollback = inverse.compose(c.rollback)
    const added = effect.ids.filter((id) => !c.ids.has(id))
    for (const id of added) c.ids.add(id)
    return added
  }

  /** Closes a claim (granted or refused); false when it was closed already. */
  close(c: Claim): boolean {
    if (this.claims.get(c.id) !== c) return false
    this.claims.delete(c.id)
    return true
  }
}
