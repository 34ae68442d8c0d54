import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium'

/**
 * Specs whose claims are tight timings: a badge and a save on screen within 1 and 2 s
 * (multi-instance), the offline banner within 2 s and typing kept when the window goes 300 ms
 * after it (everyday-resilience), keystroke and word-count costs (writing-page), a click landing
 * while a virtualised outline settles (outline-large). They run one at a time, after the rest,
 * with no other test on the machine — what they measure is the app. The others' timings are
 * seconds wide (the stale window plus 5 s, presence within 3 s).
 */
const TIMED = ['multi-instance', 'everyday-resilience', 'writing-page', 'outline-large'].map(
  (name) => `**/${name}.spec.ts`
)

/**
 * End-to-end tests drive the real renderer through the loopback web host in Debian's Chromium
 * (no browser is ever downloaded). Each test starts its own web-host processes on a temp folder
 * (free ports, own config folders), so files without timing claims run three at a time: most of
 * their wall time is waiting on heartbeats, stale windows, autosaves and settling, not the CPU
 * (CI on 2 cores: issue 13 asks for the whole run within 10 minutes).
 */
export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  fullyParallel: false,
  workers: 3,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    headless: true,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS }
  },
  projects: [
    { name: 'chromium', testIgnore: TIMED },
    { name: 'timed', testMatch: TIMED, workers: 1, dependencies: ['chromium'] }
  ]
})
