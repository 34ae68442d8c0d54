/**
 * Makes text from the share safe to print on a terminal. Holder names, headings, section ids,
 * document names, request messages and audit fields are written by whoever can write to the share;
 * printed raw, an ESC sequence could recolour or rewrite the screen, a CR or LF could forge a line of
 * output, and a bidi override could make a name read backwards. Each such character is shown as a
 * visible escape instead: `\r`, `\n`, `\t`, `\x1b` (other C0, DEL and C1 controls, U+0080–U+009F),
 * `\u202e` (bidi embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, and the line and
 * paragraph separators U+2028/U+2029). A backslash is left as it is: Windows paths stay readable.
 */

/** Every character escapeControl rewrites. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' }

function hex(code: number, digits: number): string {
  return code.toString(16).padStart(digits, '0')
}

/** One field of human-readable output, with every control and bidi character shown as an escape. */
export function escapeControl(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0)
    return NAMED[c] ?? (code <= 0xff ? `\\x${hex(code, 2)}` : `\\u${hex(code, 4)}`)
  })
}

/** What JSON.stringify leaves raw but a terminal would act on: DEL, C1, bidi, U+2028/U+2029. */
const JSON_UNSAFE = /[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g

/**
 * JSON text (from JSON.stringify, which already escapes C0 controls inside strings) with the
 * remaining terminal-active characters written as `\uXXXX` escapes: the same value when parsed,
 * safe when printed. These characters can only occur inside strings, where `\uXXXX` is valid.
 */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (c) => `\\u${hex(c.charCodeAt(0), 4)}`)
}

/**
 * A template tag for a line of output: the literal parts are kept (their newlines are the output's
 * own), every interpolated value is passed through escapeControl.
 */
export function safe(strings: TemplateStringsArray, ...values: unknown[]): string {
  let out = strings[0]
  for (let i = 0; i < values.length; i++) out += escapeControl(String(values[i])) + strings[i + 1]
  return out
}
