import { spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const SERVE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'out', 'node', 'serve.cjs')

/** One running app instance: a web-host process with its own user and instance id. */
export interface Instance {
  user: string
  url: string
  process: ChildProcess
  output(): string
  stop(): Promise<void>
}

/** Starts a web host on `folder` for `user` and waits for its URL. */
export async function startInstance(
  folder: string,
  user: string,
  env: Record<string, string> = {}
): Promise<Instance> {
  const child = spawn(process.execPath, [SERVE, '--folder', folder, '--user', user], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web host for ${user} did not start: ${out}`)), 20_000)
    const check = () => {
      const m = /Sectioned is running: (\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1])
      } else if (child.exitCode !== null) {
        clearTimeout(timer)
        reject(new Error(`web host for ${user} exited: ${out}`))
      } else setTimeout(check, 25)
    }
    check()
  })
  return {
    user,
    url,
    process: child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve()
        child.once('close', () => resolve())
        child.kill('SIGTERM')
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref()
      })
  }
}

/** A temp workspace with the given documents; removed by `remove`. */
export async function tempWorkspace(
  files: Record<string, string>
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-e2e-'))
  for (const [name, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(dir, name)), { recursive: true })
    await fs.writeFile(path.join(dir, name), text)
  }
  return { dir, remove: () => fs.rm(dir, { recursive: true, force: true }) }
}
