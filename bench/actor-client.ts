import { bundle, LineProcess } from './processes'

/** The epoch times (ms) an actor operation started and finished, as the actor process saw them. */
export interface ActorReply {
  startedAt: number
  doneAt: number
  saves?: number
}

/**
 * The parent's handle on an actor worker: "instance A", a separate app instance whose lock takes
 * and saves the benchmarks watch arriving elsewhere. See worker-actor.ts for the commands.
 */
export class ActorClient {
  private constructor(private readonly proc: LineProcess) {}

  /** Starts an actor on `folder` as `user` and waits until its services are open. */
  static async start(folder: string, user: string): Promise<ActorClient> {
    const proc = new LineProcess(bundle('bench-worker'), ['actor', folder, user])
    try {
      await proc.message('ready')
    } catch (err) {
      await proc.stop()
      throw err
    }
    return new ActorClient(proc)
  }

  /** Takes a section lock (retrying a held one a little). */
  lock(doc: string, sectionId: string): Promise<ActorReply> {
    return this.command(`lock ${doc} ${sectionId}`, 'locked')
  }

  /** Releases a section lock it holds. */
  release(doc: string, sectionId: string): Promise<ActorReply> {
    return this.command(`release ${doc} ${sectionId}`, 'released')
  }

  /** Saves the held section as its original text plus the line `Remote edit <n>.` */
  save(doc: string, sectionId: string, n: number): Promise<ActorReply> {
    return this.command(`save ${doc} ${sectionId} ${n}`, 'saved')
  }

  /** Starts locking, saving and releasing the given sections in turn, one every `everyMs`. */
  churn(doc: string, everyMs: number, sectionIds: readonly string[]): Promise<ActorReply> {
    return this.command(`churn ${doc} ${everyMs} ${sectionIds.join(',')}`, 'churning')
  }

  /** Stops churning; the reply's `saves` counts the churn's saves. */
  calm(): Promise<ActorReply> {
    return this.command('calm', 'calm')
  }

  /** Ends the actor process (its locks are released by its shutdown, or go stale). */
  stop(): Promise<void> {
    return this.proc.stop()
  }

  private command(line: string, reply: string): Promise<ActorReply> {
    this.proc.send(line)
    return this.proc.message<ActorReply>(reply)
  }
}
