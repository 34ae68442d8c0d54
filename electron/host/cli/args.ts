import { parseArgs } from 'node:util'

/** A mistake in the command line: printed with the usage hint, exit code 2. */
export class UsageError extends Error {}

/** The CLI's options after validation. */
export interface ParsedArgs {
  command: string
  positionals: string[]
  json: boolean
  user?: string
  retries?: number
  seconds?: number
  textFile?: string
  baseSha256?: string
  force: boolean
  /** `verify --repair`: fix what is safe to fix. */
  repair: boolean
  reason?: string
  keep?: number
  days?: number
  workspace?: string
  document: boolean
  heartbeatMs?: number
  watchSeconds?: number
  /** `search`: at most this many sections. */
  limit?: number
  /** `export`: the format, the file to write, one section only. */
  to?: string
  out?: string
  section?: string
  help: boolean
}

function int(
  name: string,
  raw: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER
): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max} (got “${raw}”).`)
  return n
}

function num(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min)
    throw new UsageError(`--${name} must be a number ≥ ${min} (got “${raw}”).`)
  return n
}

/** Parses argv strictly: unknown options are usage errors, never ignored. */
export function parseCliArgs(argv: string[]): ParsedArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: 'boolean', default: false },
        user: { type: 'string' },
        retries: { type: 'string' },
        seconds: { type: 'string' },
        'text-file': { type: 'string' },
        'base-sha256': { type: 'string' },
        force: { type: 'boolean', default: false },
        repair: { type: 'boolean', default: false },
        reason: { type: 'string' },
        keep: { type: 'string' },
        days: { type: 'string' },
        workspace: { type: 'string' },
        document: { type: 'boolean', default: false },
        'heartbeat-ms': { type: 'string' },
        'watch-seconds': { type: 'string' },
        limit: { type: 'string' },
        to: { type: 'string' },
        out: { type: 'string' },
        section: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false }
      }
    })
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] : String(err))
  }
  const v = parsed.values
  const [command = 'help', ...positionals] = parsed.positionals
  return {
    command,
    positionals,
    json: v.json ?? false,
    user: v.user?.trim() || undefined,
    retries: int('retries', v.retries, 0, 10_000),
    seconds: num('seconds', v.seconds, 0),
    textFile: v['text-file'],
    baseSha256: v['base-sha256'],
    force: v.force ?? false,
    repair: v.repair ?? false,
    reason: v.reason,
    keep: int('keep', v.keep, 1),
    days: num('days', v.days, 0),
    workspace: v.workspace,
    document: v.document ?? false,
    heartbeatMs: int('heartbeat-ms', v['heartbeat-ms'], 10, 120_000),
    watchSeconds: num('watch-seconds', v['watch-seconds'], 0),
    limit: int('limit', v.limit, 1, 500),
    to: v.to,
    out: v.out,
    section: v.section,
    help: v.help ?? false
  }
}

/** Checks the number of positional arguments of a command. */
export function need(args: ParsedArgs, names: string[], optional: string[] = []): string[] {
  const p = args.positionals
  if (p.length < names.length || p.length > names.length + optional.length) {
    const shape = [...names.map((n) => `<${n}>`), ...optional.map((n) => `[<${n}>]`)].join(' ')
    throw new UsageError(`usage: sectioned ${args.command} ${shape}`)
  }
  return p
}

/** The help text. */
export const USAGE = `sectioned — admin CLI for a Sectioned workspace (a shared folder of markdown documents)

  sections <file> [--json]                         sections with id, heading, level, lines, checksum
  edit <file> <sectionId> --text-file F --user NAME [--retries N] [--base-sha256 H]
                                                   lock, save (F = the section's full new text), release
  hold <file> <sectionId> --user NAME [--seconds N]    take and keep a section lock (prints "locked <id>")
  lock-doc <file> --user NAME [--seconds N]        take and keep the document lock
  status <folder> [--json]                         every lock in the workspace
  inspect <file> [<sectionId>] [--json]            sections with their locks, or one lock in full
  force-release <file> (<sectionId> | --document) [--force --reason TEXT] [--watch-seconds N]
                                                   release a stale lock (any lock with --force)
  history <file> <sectionId> [--json]              versions of a section, checksums verified
  verify <folder> [--repair] [--json]              check every lock, history version and app file; name each
                                                   problem and what to do (exit 5 on any); --repair fixes
                                                   leftovers past their grace (temp files, unfinished claims)
  prune <folder> [--keep N] [--days T]             drop old versions (never the first, pinned or pre-structure)
  metrics <folder> [--json]                        lock and operation metrics of running instances
  search <folder> <query> [--limit N] [--json]     sections whose heading, path or text match every word
                                                   (case and accents ignored), by document, with holders
  rename <folder> <file> <newPath> --user NAME     rename or move a document (paths inside the folder, with /),
                                                   its history with it; refused while a section is held (mv: same)
  rm <folder> <file> --user NAME                   move a document and its history to the app's trash
  trash <folder> [--json]                          the trashed documents, newest first, with their ids
  restore <folder> <id>                            put a trashed document back where it was
  who <folder> [--json]                            who has which document open now, and the heading each cursor is in
  export <folder> <file> --to html|docx|odt [--out F] [--section ID] [--force]
                                                   convert a document (or one section) with pandoc, images
                                                   inside the workspace inlined; needs pandoc installed

Options: --workspace DIR (default: nearest folder with .sectioned/, else the file's folder),
         --heartbeat-ms N (testing: heartbeat faster than LOCK_HEARTBEAT_INTERVAL's 5 s minimum)
verify and prune show progress on a terminal; Ctrl+C stops them between documents (exit 130).
Exit codes: 0 ok, 2 usage or bad input, 3 lock held by someone else, 4 conflict, 5 integrity failure,
            130 stopped by Ctrl+C, 1 other.
`
