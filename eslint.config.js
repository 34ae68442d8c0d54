// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'

/** share-fs's parts (core/share-fs/) are reached through core/share-fs.ts, the door's one face. */
const shareFsParts = {
  group: ['**/share-fs/*'],
  message: 'Import share-fs through its public face, electron/services/core/share-fs.ts.'
}

/** Imports flow one way: renderer → shared ← electron. The services stay pure Node. */
const restrictedForServices = {
  paths: [
    { name: 'electron', message: 'electron/services must stay pure Node (the web host and CLI share them).' }
  ],
  patterns: [
    { group: ['react', 'react-dom', 'react/*'], message: 'No React in electron/services.' },
    { group: ['**/renderer/**'], message: 'electron/services must not import the renderer.' },
    {
      group: ['**/electron/main/**', '**/main/*', '**/preload/**'],
      message: 'Services must not import the Electron shell.'
    },
    shareFsParts
  ]
}

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'playwright-report/**',
      'test-results/**',
      // The bundled config electron-vite writes beside its config while it builds (and removes):
      // npm test lints while the renderer builds, and eslint once listed it and then found it gone.
      '*.config.ts.*.mjs',
      '**/*.timestamp-*.mjs'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }]
    }
  },
  {
    files: ['electron/services/**/*.ts', 'electron/host/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', restrictedForServices] }
  },
  // One door to the share: the services reach documents and .sectioned/ only through
  // core/share-fs.ts (typed, bounded reads; writes that never follow a link or trust a short write),
  // whose parts live in core/share-fs/ and are imported through it, never directly.
  {
    files: ['electron/services/**/*.ts'],
    ignores: [
      'electron/services/core/share-fs.ts',
      'electron/services/core/share-fs/*.ts',
      '**/*.test.ts',
      // Resolves document names (realpath/lstat only, no reads or writes): the confinement check.
      'electron/services/core/workspace.ts',
      // Not the share: the machine id, the writer's own journal, settings and log file (local
      // config folder), /proc/self/mounts.
      'electron/services/core/identity.ts',
      'electron/services/journal/journal-store.ts',
      'electron/services/settings/app-settings.ts',
      'electron/services/log/rotating-file-log.ts',
      'electron/services/watch/mount-type.ts',
      // Not the share: looks for the app's own search worker bundle.
      'electron/services/search/search-worker-file.ts'
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...restrictedForServices,
          paths: [
            ...restrictedForServices.paths,
            ...['node:fs', 'fs', 'node:fs/promises', 'fs/promises', 'write-file-atomic'].map((name) => ({
              name,
              message: 'The shared folder is reached only through electron/services/core/share-fs.ts.'
            }))
          ]
        }
      ]
    }
  },
  // The face itself imports the parts.
  {
    files: ['electron/services/core/share-fs.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          ...restrictedForServices,
          patterns: restrictedForServices.patterns.filter((p) => p !== shareFsParts)
        }
      ]
    }
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**', '**/renderer/**', 'electron', 'react', 'node:*'],
              message: 'shared/ imports nothing but itself.'
            }
          ]
        }
      ]
    }
  },
  // Test infrastructure lives in test/ (issue 13): production code never imports it; tests may.
  // The typescript-eslint twin of no-restricted-imports, so that this boundary adds to the import
  // rules above instead of replacing them (flat config gives a file one option set per rule).
  {
    files: ['electron/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.ts', 'renderer/**/*.tsx'],
    ignores: ['**/*.test.ts', '**/*.test.tsx'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/test/**', 'test/**'],
              message:
                'Production code must not import test infrastructure (test/); move the shared part out.'
            }
          ]
        }
      ]
    }
  },
  // Hooks rules (and the React Compiler's checks) for the renderer's components.
  { ...reactHooks.configs.flat.recommended, files: ['renderer/**/*.ts', 'renderer/**/*.tsx'] },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/electron/**', 'electron', 'node:*'],
              message: 'The renderer talks only through renderer/src/ipc/client.ts.'
            }
          ]
        }
      ]
    }
  },
  {
    files: ['**/*.cjs', 'scripts/**/*.mjs'],
    languageOptions: {
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        __dirname: 'readonly'
      }
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' }
  }
)
