// @ts-check
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'

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
    }
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
      'test-results/**'
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
