/**
 * `npm run dev` where Electron is missing (as here): the web host behind Vite's dev server. The page
 * comes from Vite (hot reload), its API socket is passed through to the host, and a document opens
 * with its text — the file's.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { expect, test } from '@playwright/test'
import WebSocket from 'ws'

/** Whether a socket to `url` with `origin` opens (true) or is refused (false). */
function opens(url: string, origin: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { origin })
    ws.on('open', () => {
      ws.close()
      resolve(true)
    })
    ws.on('error', () => resolve(false))
    ws.on('close', () => resolve(false))
  })
}

test('npm run dev serves the page from Vite with hot reload, talking to the web host', async ({ page }) => {
  test.setTimeout(120_000)
  const folder = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-dev-e2e-'))
  await fs.writeFile(path.join(folder, 'plan.md'), '# Plan\n\nFrom the dev server.\n')
  let dev: ChildProcess | null = null
  try {
    dev = spawn(process.execPath, ['scripts/dev.mjs', '--folder', folder, '--user', 'dev'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true
    })
    let out = ''
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no dev URL within 60 s:\n${out}`)), 60_000)
      dev?.stdout?.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /Sectioned \(dev, hot reload\): (\S+)/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(m[1])
        }
      })
      dev?.stderr?.on('data', (d: Buffer) => (out += d.toString()))
      dev?.on('exit', (code) => reject(new Error(`dev stopped (${code}):\n${out}`)))
    })
    // Vite's page, not the host's: its HMR client is in the page.
    expect(new URL(url).port).not.toBe('')
    await page.goto(url)
    await expect(page.getByTestId('connection')).toHaveText('Connected', { timeout: 60_000 })
    expect(
      await page.evaluate(() => [...document.scripts].some((s) => s.src.includes('/@vite/client')))
    ).toBe(true)
    await page.getByRole('button', { name: 'plan.md', exact: true }).click()
    await expect(page.locator('.cm-content')).toContainText('From the dev server.')
    expect((await fs.readFile(path.join(folder, 'plan.md'), 'utf8')).includes('From the dev server.')).toBe(
      true
    )
    // The pass-through takes only the dev page's own sockets: another site's page is cut off.
    const u = new URL(url)
    const api = `ws://${u.host}/api?token=${u.searchParams.get('token')}`
    expect(await opens(api, `http://${u.host}`)).toBe(true)
    expect(await opens(api, 'http://evil.example')).toBe(false)
  } finally {
    if (dev?.pid) process.kill(-dev.pid, 'SIGTERM')
    await new Promise((r) => setTimeout(r, 500))
    await fs.rm(folder, { recursive: true, force: true })
  }
})
