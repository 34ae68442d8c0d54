import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: [
      'electron/**/*.test.ts',
      'shared/**/*.test.ts',
      'renderer/**/*.test.ts',
      'renderer/**/*.test.tsx',
      'bench/**/*.test.ts',
      'test/**/*.test.ts'
    ],
    environment: 'node',
    // Multi-process tests spawn the bundled CLI and lock worker: build them first.
    globalSetup: ['scripts/build-node.mjs'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Multi-process tests spawn dozens of Node processes; running files one per core keeps them honest.
    fileParallelism: true,
    maxWorkers: 2
  }
})
