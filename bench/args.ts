import { parseArgs } from 'node:util'

/** What `npm run bench -- …` asked for. */
export interface BenchArgs {
  quick: boolean
  /** Ids of the benchmarks to run; empty = all. */
  only: string[]
  help: boolean
}

/** One line of help. */
export const USAGE = 'usage: npm run bench -- [--quick] [--only id,id…]'

/** Parses the command line strictly (an unknown option is an error, not ignored). */
export function parseBenchArgs(argv: string[]): BenchArgs {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  const only = (values.only ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean)
  return { quick: values.quick ?? false, only, help: values.help ?? false }
}
