/**
 * The admin CLI run in this process, as tests call it: its exit code and everything it printed.
 */
import { runCli } from '../../electron/host/cli/run'

/** What one CLI run returned and printed. */
export interface CliRun {
  code: number
  out: string
  err: string
}

/** Runs `sectioned <argv…>` in this process and collects its output. */
export async function runCliCaptured(...argv: string[]): Promise<CliRun> {
  let out = ''
  let err = ''
  const code = await runCli(argv, { out: (s) => (out += s), err: (s) => (err += s) })
  return { code, out, err }
}
