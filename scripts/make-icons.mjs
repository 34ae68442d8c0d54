// Renders resources/icon.svg (the icon's source, drawn for this app) to what the three platforms'
// packages want, next to it: resources/icons/<n>x<n>.png (Linux, AppImage and deb), icon.png
// (1024 px), icon.ico (Windows) and icon.icns (macOS). The SVG is rasterised by the Chromium the
// tests use (through Playwright, no extra image library); png2icons packs the .ico and .icns.
// Run after changing the SVG: `node scripts/make-icons.mjs`; the outputs are committed.
import { chromium } from '@playwright/test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import png2icons from 'png2icons'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const res = path.join(root, 'resources')
const svg = readFileSync(path.join(res, 'icon.svg'), 'utf8')
const SIZES = [16, 24, 32, 48, 64, 128, 256, 512, 1024]

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' })
try {
  const page = await browser.newPage()
  mkdirSync(path.join(res, 'icons'), { recursive: true })
  const pngs = new Map()
  for (const n of SIZES) {
    await page.setViewportSize({ width: n, height: n })
    const sized = svg.replace('width="1024" height="1024"', `width="${n}" height="${n}"`)
    await page.setContent(`<html><body style="margin:0;background:transparent">${sized}</body></html>`)
    const png = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: n, height: n } })
    pngs.set(n, png)
    writeFileSync(path.join(res, 'icons', `${n}x${n}.png`), png)
  }
  writeFileSync(path.join(res, 'icon.png'), pngs.get(1024))
  // BILINEAR scaling from the 1024 px image; the .ico keeps PNG frames (Windows Vista and later).
  writeFileSync(
    path.join(res, 'icon.ico'),
    png2icons.createICO(pngs.get(1024), png2icons.BILINEAR, 0, true, true)
  )
  writeFileSync(path.join(res, 'icon.icns'), png2icons.createICNS(pngs.get(1024), png2icons.BILINEAR, 0))
  console.log(`icons written to ${path.relative(root, res)}: ${SIZES.join(', ')} px, icon.ico, icon.icns`)
} finally {
  await browser.close()
}
