import { createInterface } from 'node:readline'

/** Writes one JSON message line to stdout (the parent reads them with LineProcess). */
export function send<T extends { type: string }>(message: T): void {
  process.stdout.write(`${JSON.stringify(message)}\n`)
}

/** Calls `handle` for each command line on stdin, one at a time, in order; resolves when stdin closes. */
export async function eachCommand(handle: (words: string[]) => Promise<void>): Promise<void> {
  for await (const line of createInterface({ input: process.stdin })) {
    const words = line.trim().split(/\s+/).filter(Boolean)
    if (words.length) await handle(words)
  }
}

/** Waits for the first command line on stdin that starts with `name`, and stops reading stdin. */
export function nextCommand(name: string): Promise<string[]> {
  const lines = createInterface({ input: process.stdin })
  return new Promise((resolve, reject) => {
    lines.on('line', (line) => {
      const words = line.trim().split(/\s+/)
      if (words[0] !== name) return
      resolve(words)
      lines.close()
      process.stdin.destroy()
    })
    lines.on('close', () => reject(new Error(`stdin closed before “${name}”`)))
  })
}
