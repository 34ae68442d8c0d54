import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { workerBackend } from './search-backend'

let dir = ''
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-search-backend-'))
})
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true })
})

it('a worker that dies refuses the queries waiting on it and later ones, with the cause, and says so once', async () => {
  const file = path.join(dir, 'broken-worker.cjs')
  // Dies on its first message, as an index that ran out of memory would.
  await fs.writeFile(
    file,
    "require('node:worker_threads').parentPort.on('message', () => { throw new Error('index broke') })\n"
  )
  const errors: string[] = []
  const backend = workerBackend(
    file,
    dir,
    () => undefined,
    (err) => errors.push(err.message)
  )
  await expect(backend.query('anything', 10)).rejects.toThrow('index broke')
  await expect(backend.query('again', 10)).rejects.toThrow('index broke')
  await expect(backend.idle()).rejects.toThrow('index broke')
  expect(errors).toEqual(['index broke'])
  await backend.dispose()
})
