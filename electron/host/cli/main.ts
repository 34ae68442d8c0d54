/** Entry point of the `sectioned` admin CLI (bundled to out/node/cli.cjs). */
import { escapeControl } from '../../../shared/escape-control'
import { runCli } from './run'

runCli(process.argv.slice(2), {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s)
}).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`sectioned: ${escapeControl(err instanceof Error ? err.message : String(err))}\n`)
    process.exitCode = 1
  }
)
