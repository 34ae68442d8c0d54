import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import { isAppResource, isExternalWebUrl, isTrustedUrl } from './trusted-url'

const index = pathToFileURL('/opt/Sectioned/out/renderer/index.html').href
const dev = 'http://localhost:5173'

describe('isTrustedUrl', () => {
  it('trusts the file:// URL of our index.html, with any query or hash', () => {
    expect(isTrustedUrl(index, index)).toBe(true)
    expect(isTrustedUrl(`${index}?doc=a.md#budget`, index)).toBe(true)
  })

  it('trusts a path that differs only in percent-encoding', () => {
    const spaced = pathToFileURL('/opt/My Apps/out/renderer/index.html').href
    expect(isTrustedUrl('file:///opt/My%20Apps/out/renderer/index.html', spaced)).toBe(true)
    expect(isTrustedUrl('file:///opt/Sectioned/out/renderer/%69ndex.html', index)).toBe(true)
  })

  it('refuses other files, even in the same folder', () => {
    expect(isTrustedUrl('file:///opt/Sectioned/out/renderer/other.html', index)).toBe(false)
    expect(isTrustedUrl('file:///opt/Sectioned/out/renderer/', index)).toBe(false)
    expect(isTrustedUrl('file:///home/ann/Downloads/index.html', index)).toBe(false)
    expect(isTrustedUrl('file:///opt/Sectioned/out/renderer/index.html.evil', index)).toBe(false)
  })

  it('refuses dot-segment tricks, plain, encoded or with backslashes', () => {
    const tricks = [
      'file:///opt/Sectioned/out/renderer/../../../home/ann/index.html',
      'file:///opt/Sectioned/out/renderer/x/../index.html',
      'file:///opt/Sectioned/out/renderer/./index.html',
      'file:///opt/Sectioned/out/renderer/%2e%2e/renderer/index.html',
      'file:///opt/Sectioned/out/renderer/%2E%2E/renderer/index.html',
      'file:///opt/Sectioned/out/renderer/.%2e/renderer/index.html',
      'file:///opt/Sectioned/out/renderer\\..\\renderer\\index.html',
      'file:///opt/Sectioned/out/renderer/index.html/..%2f..%2fevil.html',
      'file:///opt/Sectioned/out/renderer%2findex.html/../../../tmp/index.html'
    ]
    for (const url of tricks) expect(isTrustedUrl(url, index), url).toBe(false)
  })

  it('refuses the same path on another host (a UNC share)', () => {
    expect(isTrustedUrl('file://evil-server/opt/Sectioned/out/renderer/index.html', index)).toBe(false)
  })

  it('refuses web pages when the app is loaded from a file — the dev origin only counts when configured', () => {
    expect(isTrustedUrl('http://evil.example/', index)).toBe(false)
    expect(isTrustedUrl('http://localhost:5173/', index)).toBe(false)
    expect(isTrustedUrl('https://localhost:5173/', index)).toBe(false)
  })

  it('with a dev server, trusts exactly its origin', () => {
    expect(isTrustedUrl('http://localhost:5173/', dev)).toBe(true)
    expect(isTrustedUrl('http://localhost:5173/index.html?x=1', dev)).toBe(true)
    expect(isTrustedUrl('http://localhost:5174/', dev)).toBe(false)
    expect(isTrustedUrl('https://localhost:5173/', dev)).toBe(false)
    expect(isTrustedUrl('http://localhost:5173.evil.example/', dev)).toBe(false)
    expect(isTrustedUrl('http://localhost:5173@evil.example/', dev)).toBe(false)
    expect(isTrustedUrl('http://evil.example/', dev)).toBe(false)
    expect(isTrustedUrl(index, dev)).toBe(false)
  })

  it('refuses what is not a URL, and trusts nothing when the app URL is not one', () => {
    expect(isTrustedUrl('', index)).toBe(false)
    expect(isTrustedUrl('index.html', index)).toBe(false)
    expect(isTrustedUrl('about:blank', index)).toBe(false)
    expect(isTrustedUrl('data:text/html,<h1>hi</h1>', index)).toBe(false)
    expect(isTrustedUrl(index, '')).toBe(false)
    expect(isTrustedUrl('about:blank', 'about:blank')).toBe(false)
  })
})

describe('isAppResource', () => {
  it('covers the renderer folder and the dev origin, nothing else', () => {
    expect(isAppResource('file:///opt/Sectioned/out/renderer/assets/index-abc.js', index)).toBe(true)
    expect(isAppResource(index, index)).toBe(true)
    expect(isAppResource('file:///opt/Sectioned/out/main/index.js', index)).toBe(false)
    expect(isAppResource('https://cdn.example/x.js', index)).toBe(false)
    expect(isAppResource('http://localhost:5173/src/main.tsx', dev)).toBe(true)
    expect(isAppResource('http://localhost:9999/src/main.tsx', dev)).toBe(false)
  })
})

describe('isExternalWebUrl', () => {
  it('is true only for http(s) links away from the app', () => {
    expect(isExternalWebUrl('https://commonmark.org/help/', index)).toBe(true)
    expect(isExternalWebUrl('http://example.com', index)).toBe(true)
    expect(isExternalWebUrl('file:///etc/passwd', index)).toBe(false)
    expect(isExternalWebUrl('mailto:ann@example.com', index)).toBe(false)
    expect(isExternalWebUrl('javascript:alert(1)', index)).toBe(false)
    expect(isExternalWebUrl('smb://server/share', index)).toBe(false)
    expect(isExternalWebUrl('http://localhost:5173/other', dev)).toBe(false)
  })
})
