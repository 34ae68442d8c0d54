/**
 * The preview's images, after the HTML is on the page (render-preview.ts leaves every address that
 * is not a raster `data:` URL in `data-src`, so the page itself loads nothing):
 * - an image inside the workspace, named relative to the document, is read through the services
 *   (`files:asset`: confined to the workspace, allow-listed types) and shown from a `data:` URL;
 * - a remote image (`https://…`) becomes a placeholder; nothing is requested until the writer
 *   clicks it, and then it opens outside the app (the page's CSP allows no remote images);
 * - anything else (a refused path) shows its description and why.
 */
import type { SectionedClient } from '../ipc/client'

/** Image bytes as `data:` URLs, per document and address (a preview re-renders on every keystroke). */
export type AssetCache = Map<string, Promise<{ url: string } | { error: string }>>

/** True for an address that leaves the computer. */
export function isRemote(src: string): boolean {
  return /^(?:https?:)?\/\//i.test(src.trim())
}

/** Reads the image `src` of `document` through the services, once per cache. */
export function loadAsset(
  client: SectionedClient,
  cache: AssetCache,
  document: string,
  src: string
): Promise<{ url: string } | { error: string }> {
  const key = `${document}\n${src}`
  let found = cache.get(key)
  if (!found) {
    found = client
      .call('files:asset', { document, src })
      .then((r) =>
        r.ok ? { url: `data:${r.value.mime};base64,${r.value.data}` } : { error: r.error.message }
      )
    cache.set(key, found)
    if (cache.size > 200) cache.delete(cache.keys().next().value ?? key)
  }
  return found
}

/** The placeholder shown instead of a remote image: its description, its host, a click to open it. */
function remotePlaceholder(img: HTMLImageElement, src: string): HTMLElement {
  const button = img.ownerDocument.createElement('button')
  button.type = 'button'
  button.className = 'remote-image'
  button.dataset.remoteSrc = src
  let host = src
  try {
    host = new URL(src, 'https://x.invalid').host
  } catch {
    // an address that does not parse is shown as it is written
  }
  const alt = img.getAttribute('alt')
  button.textContent = `Remote image${alt ? ` “${alt}”` : ''} from ${host} — not loaded; click to open it`
  button.title = src
  return button
}

/**
 * A refused or missing image keeps its element, without a source: the browser shows its
 * description, here followed by why it is not shown, instead of a broken-image icon.
 */
function missing(img: HTMLImageElement, why: string): void {
  const alt = img.getAttribute('alt') || img.getAttribute('data-src') || 'Image'
  img.alt = `${alt} (not shown: ${why})`
  img.title = why
  img.classList.add('missing-image')
}

/**
 * Shows the images of the rendered `root`: workspace images from the services, remote ones as
 * placeholders (or, for an exported file, `keep`: their address as written). Resolves when every image has its source (the HTML export waits for it).
 */
export async function showImages(
  root: HTMLElement,
  document: string,
  client: SectionedClient,
  cache: AssetCache,
  remote: 'placeholder' | 'keep' = 'placeholder'
): Promise<void> {
  const pending: Promise<void>[] = []
  for (const img of Array.from(root.querySelectorAll<HTMLImageElement>('img[data-src]'))) {
    const src = img.getAttribute('data-src') ?? ''
    if (isRemote(src)) {
      // An exported file keeps the address (its reader's browser decides); the app never loads it.
      if (remote === 'keep') img.setAttribute('src', src)
      else img.replaceWith(remotePlaceholder(img, src))
      continue
    }
    pending.push(
      loadAsset(client, cache, document, src).then((r) => {
        if ('url' in r) {
          img.src = r.url
          img.removeAttribute('data-src')
        } else missing(img, r.error)
      })
    )
  }
  await Promise.all(pending)
}

/** The workspace-relative document a link in `from` names (`other.md`, `../x.md#part`), or null. */
export function documentLink(from: string, href: string): { document: string; anchor: string | null } | null {
  const m = /^([^?#]*\.(?:md|markdown))(?:#(.*))?$/i.exec(href.trim())
  if (!m || /^[a-z][a-z0-9+.-]*:/i.test(m[1]) || m[1].startsWith('/')) return null
  let path: string
  try {
    path = decodeURI(m[1])
  } catch {
    return null
  }
  const parts = from.split('/').slice(0, -1)
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue
    if (part === '..') {
      if (parts.length === 0) return null // out of the workspace
      parts.pop()
    } else parts.push(part)
  }
  return { document: parts.join('/'), anchor: m[2] ? decodeURIComponent(m[2]) : null }
}
