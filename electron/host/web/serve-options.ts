/**
 * Command line and file locations of the web host's entry point (serve.ts), kept apart from it so
 * they can be tested without starting anything.
 */
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { parseArgs } from 'node:util'

/** One line of help, printed with every usage error. */
export const SERVE_USAGE = 'usage: npm run serve -- --folder DIR [--user NAME] [--port P]'

/** A mistake on the command line: one line on stderr, exit code 2. */
export class ServeUsageError extends Error {}

/** The environment variable that fixes the web host's token (so a restarted host keeps its URL). */
export const WEB_TOKEN_ENV = 'SECTIONED_WEB_TOKEN'

/** A fixed token must be as hard to guess as a generated one (43 characters of base64url). */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,1024}$/

/**
 * The token from `SECTIONED_WEB_TOKEN`, or undefined when it is unset or empty (a random token per
 * run). A value that is not 32 to 1024 characters of A–Z, a–z, 0–9, `_` and `-` is a usage error;
 * the message never repeats the value, which is a secret.
 */
export function webTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[WEB_TOKEN_ENV]
  if (value === undefined || value === '') return undefined
  if (!TOKEN_PATTERN.test(value))
    throw new ServeUsageError(
      `${WEB_TOKEN_ENV} must be 32 to 1024 characters of A-Z, a-z, 0-9, _ and - (it has ${value.length} characters${/^[A-Za-z0-9_-]*$/.test(value) ? '' : ', some of them others'}).`
    )
  return value
}

/** What `serve` was asked to do. */
export interface ServeOptions {
  folder: string
  user?: string
  /** 0: a free port chosen by the system. */
  port: number
  help: boolean
}

/** Parses argv strictly: unknown options, positionals and bad values are usage errors, never ignored. */
export function parseServeArgs(argv: string[]): ServeOptions {
  let values
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        folder: { type: 'string' },
        user: { type: 'string' },
        port: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    }).values
  } catch (err) {
    throw new ServeUsageError(err instanceof Error ? err.message.split('\n')[0] : String(err))
  }
  if (values.help) return { folder: '', port: 0, help: true }
  const folder = values.folder?.trim()
  if (!folder) throw new ServeUsageError('--folder is required.')
  let port = 0
  if (values.port !== undefined) {
    port = Number(values.port)
    if (!/^\d+$/.test(values.port) || port > 65_535)
      throw new ServeUsageError(`--port must be a whole number from 0 to 65535 (got “${values.port}”).`)
  }
  return { folder: path.resolve(folder), user: values.user?.trim() || undefined, port, help: false }
}

/**
 * The repository root: the nearest folder above `from` whose package.json is this project's. The
 * entry runs both bundled (out/node/serve.cjs, where import.meta is unavailable) and from source,
 * so it is found from the script's own path rather than from a module URL.
 */
export function findRepoRoot(from: string): string | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    try {
      const pkg: unknown = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'))
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'sectioned') return dir
    } catch {
      // no (readable) package.json here: keep walking up
    }
    if (path.dirname(dir) === dir) return null
  }
}

/** The built renderer (out/renderer) of the repository around `from`, or null when it is not built. */
export function findRendererDir(from: string): string | null {
  const root = findRepoRoot(from)
  if (root === null) return null
  const dir = path.join(root, 'out', 'renderer')
  return existsSync(path.join(dir, 'index.html')) ? dir : null
}
