import { escapeControl, safe } from '../../../shared/escape-control'
import { ErrorCode, SectionedError } from '../../../shared/errors'
import { parseCliArgs, UsageError, USAGE, type ParsedArgs } from './args'
import { cmdEdit, cmdForceRelease, cmdHold, cmdLockDoc } from './commands-locks'
import { cmdPrune, cmdVerify } from './commands-admin'
import { cmdRemove, cmdRename, cmdRestore, cmdTrash } from './commands-files'
import { cmdHistory, cmdInspect, cmdMetrics, cmdSections, cmdStatus } from './commands-read'
import { cmdSearch } from './commands-search'
import { cmdWho } from './commands-presence'
import { cmdExport } from './commands-export'
import { Exit, type CliIo } from './context'

const commands: Record<string, (args: ParsedArgs, io: CliIo) => Promise<number>> = {
  sections: cmdSections,
  edit: cmdEdit,
  hold: cmdHold,
  'lock-doc': cmdLockDoc,
  status: cmdStatus,
  inspect: cmdInspect,
  'force-release': cmdForceRelease,
  history: cmdHistory,
  verify: cmdVerify,
  prune: cmdPrune,
  metrics: cmdMetrics,
  search: cmdSearch,
  rename: cmdRename,
  mv: cmdRename,
  rm: cmdRemove,
  trash: cmdTrash,
  restore: cmdRestore,
  who: cmdWho,
  export: cmdExport
}

/** Maps an error to the documented exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return Exit.Usage
  if (!(err instanceof SectionedError)) return Exit.Other
  switch (err.code) {
    case ErrorCode.LockHeld:
    case ErrorCode.LockTimeout:
    case ErrorCode.StaleProcessLock:
    case ErrorCode.LockLost:
    case ErrorCode.Limit:
      return Exit.Held
    case ErrorCode.Conflict:
      return Exit.Conflict
    case ErrorCode.Integrity:
      return Exit.Integrity
    case ErrorCode.Validation:
    case ErrorCode.NotFound:
    case ErrorCode.PathOutside:
      return Exit.Usage
    default:
      return Exit.Other
  }
}

/** Runs one CLI invocation; every failure becomes one line on stderr and an exit code, never a stack trace. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let args: ParsedArgs
  try {
    args = parseCliArgs(argv)
  } catch (err) {
    io.err(safe`sectioned: ${(err as Error).message}` + '\nRun “sectioned help” for the commands.\n')
    return Exit.Usage
  }
  if (args.help || args.command === 'help') {
    io.out(USAGE)
    return Exit.Ok
  }
  const command = commands[args.command]
  if (!command) {
    io.err(safe`sectioned: unknown command “${args.command}”. Run “sectioned help” for the commands.\n`)
    return Exit.Usage
  }
  try {
    return await command(args, io)
  } catch (err) {
    // Messages name documents, sections and files from the share: one line, controls escaped.
    const message = err instanceof Error ? err.message : String(err)
    io.err(safe`sectioned: ${message}\n`)
    if (process.env.SECTIONED_DEBUG && err instanceof Error)
      io.err(`${(err.stack ?? '').split('\n').map(escapeControl).join('\n')}\n`)
    return exitCodeFor(err)
  }
}
