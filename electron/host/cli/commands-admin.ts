/**
 * Long administrative work over a whole workspace: `verify` (`--repair`) and `prune`. Both show
 * progress on a terminal and stop between documents on Ctrl+C, keeping what was finished and
 * saying in one line what was and was not done (exit 130).
 */
import { escapeJsonText, safe } from '../../../shared/escape-control'
import { prune } from '../../services/history/prune'
import { describeAge, type Finding } from '../../services/core/verify-findings'
import { verifyWorkspace, type VerifyReport } from '../../services/core/verify-repair'
import { need, type ParsedArgs } from './args'
import { Exit, locateFolder, withServices, type CliIo } from './context'
import { ProgressLine, watchInterrupt } from './progress'
import { DOCUMENT_CHECKS, DOCUMENT_REPAIRS, serviceRepairs } from './verify-hooks'

/** Runs `work` with a progress line and a Ctrl+C watch, always cleaning both up. */
async function longWork<T>(
  io: CliIo,
  label: string,
  work: (hooks: {
    onProgress: (done: number, total: number, current: string) => void
    shouldStop: () => boolean
  }) => Promise<T>
): Promise<T> {
  const progress = new ProgressLine(io, label)
  const interrupt = watchInterrupt(io, Exit.Cancelled)
  try {
    return await work({
      onProgress: (d, t, c) => progress.update(d, t, c),
      shouldStop: () => interrupt.stopped
    })
  } finally {
    progress.clear()
    interrupt.dispose()
  }
}

function youngLine(f: Finding): string {
  const age = f.ageMs == null ? '' : `, ${describeAge(f.ageMs)} old`
  return safe`verify: ${f.file}: ${f.problem}${age} — left: it may be work in progress (younger than ${describeAge(f.graceMs ?? 0)})\n`
}

/** Files a plugged-in repair left that no check reported: problems too. */
function leftUnreported(report: VerifyReport): Map<string, string> {
  const reported = new Set(report.problems.map((p) => p.file))
  return new Map(report.left.filter((o) => !reported.has(o.file)).map((o) => [o.file, o.detail]))
}

function printVerify(io: CliIo, report: VerifyReport, repair: boolean): void {
  const leftWhy = new Map(report.left.map((o) => [o.file, o.detail]))
  const unreported = leftUnreported(report)
  for (const r of report.repaired) io.out(safe`repaired: ${r.file}: ${r.detail}\n`)
  for (const f of report.young) io.out(youngLine(f))
  for (const p of report.problems) {
    const why = leftWhy.get(p.file)
    const tail = !repair ? p.advice : why !== undefined ? `left: ${why}` : `left for a person: ${p.advice}`
    io.err(safe`verify: ${p.file}: ${p.problem} — ${tail}\n`)
  }
  for (const [file, why] of unreported) io.err(safe`verify: ${file}: left: ${why}\n`)
  const { done, total } = report.documents
  const problems = report.problems.length + unreported.size
  if (report.cancelled) {
    io.err(
      `verify: stopped by Ctrl+C after ${done} of ${total} documents: ${done} checked` +
        (repair ? ` (${report.repaired.length} repaired)` : '') +
        `, ${total - done} not checked; ${problems} problems found so far\n`
    )
  } else if (repair) {
    io.out(
      `verify --repair: ${total} documents checked; repaired ${report.repaired.length}, ${problems} problems left\n`
    )
  } else if (problems === 0) {
    io.out(
      `verify: ${total} documents checked; all history checksums, lock records and other app files are valid\n`
    )
  } else io.out(`verify: ${total} documents checked; ${problems} problems\n`)
}

/** `verify`: every lock, history version and app file; `--repair` fixes what is safe. Exit 5 on any problem left. */
export async function cmdVerify(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  const root = locateFolder(folder)
  return withServices(root, args, { start: false, readOnly: !args.repair }, async (s) => {
    const report = await longWork(io, args.repair ? 'verify --repair' : 'verify', (hooks) =>
      verifyWorkspace(s.workspace, {
        repair: args.repair,
        checks: DOCUMENT_CHECKS,
        repairs: [...DOCUMENT_REPAIRS, ...serviceRepairs(s.documents)],
        clearUnfinishedLock: (dir, state) =>
          s.locks.releaseForeign(
            dir,
            state,
            'verify --repair: an unfinished lock (a generation with no record) past its grace',
            'lock.force-release'
          ),
        ...hooks
      })
    )
    const problems = report.problems.length + leftUnreported(report).size
    if (args.json)
      io.out(
        escapeJsonText(JSON.stringify({ ok: problems === 0 && !report.cancelled, ...report }, null, 2)) + '\n'
      )
    else printVerify(io, report, args.repair)
    return report.cancelled ? Exit.Cancelled : problems === 0 ? Exit.Ok : Exit.Integrity
  })
}

/** `prune`: drop old versions per H5. */
export async function cmdPrune(args: ParsedArgs, io: CliIo): Promise<number> {
  const [folder] = need(args, ['folder'])
  const root = locateFolder(folder)
  return withServices(root, args, { start: false }, async (s) => {
    const report = await longWork(io, 'prune', (hooks) =>
      prune(s.workspace, s.history, s.clock, { keep: args.keep, days: args.days ?? null, ...hooks })
    )
    s.audit.record({ type: 'prune', removed: report.removed, kept: report.kept })
    if (args.json) io.out(escapeJsonText(JSON.stringify(report, null, 2)) + '\n')
    else if (report.cancelled) {
      const { documentsDone: done, documentsTotal: total } = report.cancelled
      io.err(
        `prune: stopped by Ctrl+C after ${done} of ${total} documents: removed ${report.removed} of ${report.scanned} versions there, kept ${report.kept}; ${total - done} documents not pruned\n`
      )
    } else io.out(`prune: removed ${report.removed} of ${report.scanned} versions, kept ${report.kept}\n`)
    return report.cancelled ? Exit.Cancelled : Exit.Ok
  })
}
