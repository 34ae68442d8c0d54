/**
 * Actor worker: "instance A" of the propagation and editor benchmarks, a separate app instance
 * driven by stdin commands. Each answer carries the epoch times the operation started and ended.
 *
 *   lock <doc> <sectionId>       → {type: 'locked'}
 *   release <doc> <sectionId>    → {type: 'released'}
 *   save <doc> <sectionId> <n>   → {type: 'saved'}  (the lock must be held)
 *   churn <doc> <ms> <id,id,…>   → {type: 'churning'}; then lock+save+release one section every <ms>
 *   calm                         → {type: 'calm', saves}; stops churning
 */
import { openWorkspace, type AppServices } from '../electron/services/app-services'
import type { LockHandle } from '../electron/services/locks/lock-service'
import { epochNow, sleep } from './timing'
import { eachCommand, send } from './worker-io'

class Actor {
  private readonly held = new Map<string, LockHandle>()
  /** Each section's text before the first save: every save writes it plus one numbered line. */
  private readonly originals = new Map<string, string>()
  private churning: Promise<number> | null = null
  private stopChurn = false

  constructor(private readonly s: AppServices) {}

  async lock(doc: string, sectionId: string): Promise<void> {
    this.held.set(`${doc}#${sectionId}`, await this.s.locks.acquireSection(doc, sectionId, { retries: 50 }))
  }

  async release(doc: string, sectionId: string): Promise<void> {
    const lock = this.held.get(`${doc}#${sectionId}`)
    this.held.delete(`${doc}#${sectionId}`)
    if (lock) await this.s.locks.release(lock)
  }

  /** Saves the section as its original text followed by the line `Remote edit <n>.` */
  async save(doc: string, sectionId: string, n: number): Promise<void> {
    const lock = this.held.get(`${doc}#${sectionId}`)
    if (!lock) throw new Error(`save ${sectionId} without its lock`)
    const { section, text } = await this.s.documents.section(doc, sectionId)
    const original = this.originals.get(sectionId) ?? text
    this.originals.set(sectionId, original)
    await this.s.documents.saveSection(lock, section.sha256, `${original.trimEnd()}\n\nRemote edit ${n}.\n\n`)
  }

  churn(doc: string, everyMs: number, sectionIds: string[]): void {
    this.stopChurn = false
    this.churning = (async () => {
      let saves = 0
      for (let round = 0; !this.stopChurn; round++) {
        const id = sectionIds[round % sectionIds.length]
        const started = performance.now()
        try {
          await this.lock(doc, id)
          await this.save(doc, id, round)
          saves++
        } catch {
          // A refused lock or save is the editor's business, not the churn's: try the next section.
        } finally {
          await this.release(doc, id)
        }
        await sleep(Math.max(0, everyMs - (performance.now() - started)))
      }
      return saves
    })()
  }

  async calm(): Promise<number> {
    this.stopChurn = true
    const saves = (await this.churning) ?? 0
    this.churning = null
    return saves
  }
}

/** `actor <folder> <user>` */
export async function runActor([folder, user]: string[]): Promise<void> {
  const s = await openWorkspace({ folder, user, lockSettings: { idleTimeoutMs: 0 } })
  const actor = new Actor(s)
  send({ type: 'ready' })
  try {
    await eachCommand(async ([command, doc, ...args]) => {
      const startedAt = epochNow()
      const done = (type: string, more: Record<string, unknown> = {}) =>
        send({ type, startedAt, doneAt: epochNow(), ...more })
      switch (command) {
        case 'lock':
          await actor.lock(doc, args[0])
          return done('locked')
        case 'release':
          await actor.release(doc, args[0])
          return done('released')
        case 'save':
          await actor.save(doc, args[0], Number(args[1]))
          return done('saved')
        case 'churn':
          actor.churn(doc, Number(args[0]), args[1].split(','))
          return done('churning')
        case 'calm':
          return done('calm', { saves: await actor.calm() })
      }
    })
  } finally {
    await actor.calm()
    await s.dispose()
  }
}
