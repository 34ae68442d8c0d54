import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../shared/csp'
import { CONTENT_SECURITY_POLICY } from './window-options'
import { securityHeaders } from '../host/web/security'

describe('one Content Security Policy', () => {
  it('is the meta tag of renderer/index.html, word for word', () => {
    const html = readFileSync('renderer/index.html', 'utf8')
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1]
    expect(meta).toBe(contentSecurityPolicy({ meta: true }))
  })

  it('is the Electron header, and the web host header with its API socket', () => {
    expect(CONTENT_SECURITY_POLICY).toBe(contentSecurityPolicy())
    expect(securityHeaders(4321)['Content-Security-Policy']).toBe(
      contentSecurityPolicy({ connect: ['ws://127.0.0.1:4321', 'ws://localhost:4321'] })
    )
  })

  it('allows nothing remote and no plugins, frames, base or form tricks', () => {
    const csp = contentSecurityPolicy()
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain("img-src 'self' data:")
    expect(csp).toMatch(/object-src 'none'.*base-uri 'none'.*form-action 'none'.*frame-ancestors 'none'/)
    expect(csp).not.toMatch(/https?:|file:|\*/)
  })
})
