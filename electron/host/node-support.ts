/**
 * Which Node the CLI and the web host run on. Node 20 reached its end of life in April 2026 (no
 * security fixes since); Node 22 (maintenance until April 2027) and Node 24 (active) are the
 * supported LTS lines. package.json's `engines` still admits 20.19+, because the build machines of
 * this project have only Node 20.20 and nothing newer can be installed there; the web host says so
 * at start instead of refusing.
 */

/** The Node release lines still supported upstream, oldest first. */
export const SUPPORTED_NODE_MAJORS = [22, 24] as const

/** A line for the person who started the host when `version` (`process.version`) is past its end of life, else null. */
export function nodeSupportNote(version: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1])
  if (!Number.isFinite(major) || major >= SUPPORTED_NODE_MAJORS[0]) return null
  return (
    `note: Node ${version.replace(/^v/, '')} is past its end of life and gets no security fixes; ` +
    `run Sectioned on Node ${SUPPORTED_NODE_MAJORS.join(' or ')} (LTS).`
  )
}
