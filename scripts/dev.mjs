// `npm run dev [-- --folder DIR --user NAME]`: development with hot reload. Where Electron is
// installed: `electron-vite dev` (the main process restarts on change, the page reloads modules in
// place). Where it is not (these build machines): the web host on the folder, and Vite's dev server
// for the page in front of it — the page's modules hot-reload, its API socket is passed through to
// the host (with the host's own Origin, which the host checks), on loopback only. Prints the URL
// to open. The sample workspace is copied to a temporary folder when no --folder is given.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { electronBinary } from './electron-binary.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

function argValue(name) {
  const i = args.indexOf(`--${name}`)
  if (i >= 0 && args[i + 1] && !args[i + 1].startsWith('--')) return args[i + 1]
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3)
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

if (electronBinary(root)) {
  const bin = path.join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const child = spawn(process.execPath, [bin, 'dev', '--', ...args], { cwd: root, stdio: 'inherit' })
  child.on('exit', (code) => process.exit(code ?? 1))
} else {
  console.log('dev: Electron is not installed here; the web host with Vite’s dev server instead.')
  const built = spawn(process.execPath, [path.join(root, 'scripts', 'build-node.mjs'), 'app'], {
    cwd: root,
    stdio: 'inherit'
  })
  if ((await new Promise((resolve) => built.on('exit', resolve))) !== 0) process.exit(1)
  let folder = argValue('folder')
  if (!folder) {
    folder = await fs.mkdtemp(path.join(os.tmpdir(), 'sectioned-dev-'))
    await fs.cp(path.join(root, 'resources', 'sample-workspace'), folder, { recursive: true })
  }
  const token = randomBytes(32).toString('base64url')
  const hostPort = await freePort()
  const user = argValue('user')
  const host = spawn(
    process.execPath,
    [
      path.join(root, 'out', 'node', 'serve.cjs'),
      '--folder',
      folder,
      '--port',
      String(hostPort),
      ...(user ? ['--user', user] : [])
    ],
    { cwd: root, env: { ...process.env, SECTIONED_WEB_TOKEN: token }, stdio: ['ignore', 'pipe', 'inherit'] }
  )
  await new Promise((resolve, reject) => {
    let seen = ''
    host.stdout.on('data', (chunk) => {
      process.stdout.write(chunk)
      seen += chunk
      if (seen.includes('Sectioned is running')) resolve()
    })
    host.on('exit', (code) => reject(new Error(`the web host stopped (exit code ${code})`)))
  })
  const { createServer } = await import('vite')
  const { default: react } = await import('@vitejs/plugin-react')
  const hostOrigin = `http://127.0.0.1:${hostPort}`
  const vite = await createServer({
    root: path.join(root, 'renderer'),
    configFile: false,
    plugins: [react()],
    server: {
      host: '127.0.0.1',
      // Vite's own check of the Host header (DNS rebinding): loopback names only.
      allowedHosts: ['127.0.0.1', 'localhost'],
      proxy: {
        '/api': {
          target: hostOrigin,
          ws: true,
          changeOrigin: true,
          // The host takes its API socket only from its own page's origin: a socket opened by this
          // dev page (its origin, on loopback) is passed on as the host's; any other is cut.
          configure: (proxy) =>
            proxy.on('proxyReqWs', (proxyReq, req, socket) => {
              const port = vite.config.server.port
              const ours = [`http://127.0.0.1:${port}`, `http://localhost:${port}`]
              if (!ours.includes(req.headers.origin ?? '')) {
                proxyReq.destroy()
                socket.destroy()
                return
              }
              proxyReq.setHeader('origin', hostOrigin)
            })
        }
      }
    }
  })
  await vite.listen()
  const url = `http://127.0.0.1:${vite.config.server.port}/?token=${token}`
  console.log(`Sectioned (dev, hot reload): ${url}`)
  let stopping = false
  const stop = async () => {
    if (stopping) return
    stopping = true
    await vite.close().catch(() => undefined)
    host.kill('SIGTERM')
  }
  host.on('exit', (code) => {
    if (!stopping) console.error(`dev: the web host stopped (exit code ${code})`)
    void vite.close().finally(() => process.exit(code ?? 0))
  })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop())
}
