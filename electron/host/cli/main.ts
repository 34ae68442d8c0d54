/** Entry point of the `sectioned` admin CLI (bundled to out/node/cli.cjs). */
import { escapeControl } from '../../../shared/escape-control'
import { runCli } from './run'

// Progress goes to a terminal only (SECTIONED_PROGRESS=1 forces it, for tests of a piped run).
const progressShown = process.stderr.isTTY || process.env.SECTIONED_PROGRESS === '1'

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
  ...(progressShown ? { progress: (s: string) => process.stderr.write(`\r\x1b[K${s}`) } : {})
}).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`sectioned: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`)
    process.exitCode = 1
  }
)
