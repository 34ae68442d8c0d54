/**
 * Documents the app must not rewrite: text that is not UTF-8 (UTF-16 with a byte-order mark,
 * Latin-1, binary files named `.md`) would come back re-encoded — or with U+FFFD where its bytes
 * were — and a file with a second name (a hard link) would be split from it by the first atomic
 * save. Such a document opens read-only with the reason; nothing is saved, restored or recorded
 * in history for it, so its bytes stay exactly as they are.
 */
import { isUtf8 } from 'node:buffer'

/** Bytes looked at for NUL: a text file has none; an image or archive has some almost at once. */
const BINARY_PROBE = 8 * 1024

/** Why `name` (read as `buf`, with `nlink` names on disk) must stay read-only; null when it may be edited. */
export function readOnlyReason(buf: Buffer, nlink: number, name: string, mode?: number): string | null {
  const never = 'Sectioned opens it read-only and never rewrites it.'
  if (buf.length >= 2 && ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff))) {
    return `“${name}” is UTF-16 text, not UTF-8; ${never}`
  }
  if (buf.subarray(0, BINARY_PROBE).includes(0))
    return `“${name}” is not a text file (it has NUL bytes); ${never}`
  // Native validation (what a fatal TextDecoder accepts, without making the string: 0.3 ms instead of
  // 60 for 5 MB; encoding.test.ts compares the two on random bytes).
  if (!isUtf8(buf)) return `“${name}” is not valid UTF-8 text (another encoding?); ${never}`
  if (nlink > 1) {
    return `“${name}” has another name on disk (a hard link); saving would split the two, so ${never}`
  }
  // Write permission taken away on purpose (chmod 444, Windows' read-only attribute): honoured,
  // though an atomic rename in a writable folder could replace it anyway.
  if (mode !== undefined && (mode & 0o222) === 0) {
    return `“${name}” is marked read-only on the shared folder (nobody may write it); ${never.replace('never rewrites it', 'does not change it')} Make it writable to edit it.`
  }
  return null
}

/** The text of a UTF-16 document with a byte-order mark (for showing it); null for anything else. */
export function utf16Text(buf: Buffer): string | null {
  if (buf.length < 2) return null
  const le = buf[0] === 0xff && buf[1] === 0xfe
  const be = buf[0] === 0xfe && buf[1] === 0xff
  if (!le && !be) return null
  return new TextDecoder(le ? 'utf-16le' : 'utf-16be').decode(buf.subarray(2))
}
