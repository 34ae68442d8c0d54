/**
 * electron-vite config of the plain CodeMirror 6 anchor page (bench/anchor): the app's renderer
 * bundler with its presets (target, no minifying, relative base), building only this page into
 * out/bench-anchor. Run from the repository root: `npx electron-vite build -c bench/anchor/anchor.config.ts`.
 */
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  renderer: {
    root: 'bench/anchor',
    build: {
      outDir: 'out/bench-anchor',
      emptyOutDir: true,
      rollupOptions: { input: { index: resolve('bench/anchor/index.html') } }
    }
  }
})
