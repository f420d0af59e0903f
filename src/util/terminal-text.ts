// Text bound for a terminal comes from arguments, files, Entra, Dataverse and server error
// messages; any of them may carry escape sequences (a title change, a cleared screen, a fake
// hyperlink) or bidi overrides that show a name reversed ("dynauth-\u202Etxt.exe"). The UI passes
// every line through toTerminalText, so no caller has to remember to.

// C0 controls but tab and newline, DEL, C1 controls (0x9B is CSI on some terminals).
const CONTROL = '\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F';
// Bidi embeddings, overrides and isolates, the marks, and the line/paragraph separators.
const BIDI = '\\u061C\\u200E\\u200F\\u202A-\\u202E\\u2066-\\u2069\\u2028\\u2029';
// The only escape sequences the UI writes itself: chalk's colours (SGR) at level 1.
const OWN_STYLE_CODES = new Set(['0', '1', '2', '22', '31', '32', '33', '36', '39']);

// A name is one line: tab and newline are refused there too.
const UNSAFE_IN_NAME = new RegExp(`[\\t\\n${CONTROL}${BIDI}]`, 'u');
const UNSAFE_GLOBAL = new RegExp(`[${CONTROL}${BIDI}]`, 'gu');
// Whole escape sequences go, not just their ESC: CSI (ESC [ or C1 CSI … final byte), OSC (ESC ] … BEL or
// ESC \\), and two-character ones; the rest of the text is what a terminal would have shown.
const CSI = '(?:\\u001B\\[|\\u009B)([0-?]*)[ -/]*[@-~]';
const OSC = '\\u001B\\][^\\u0007\\u001B]*(?:\\u0007|\\u001B\\\\)?';
// One pass, sequences first: every ESC left in the result belongs to a colour code kept whole,
// so nothing removed can join what is left into a new sequence.
const SEQUENCE_OR_UNSAFE = new RegExp(`${CSI}|${OSC}|\\u001B[@-Z\\\\-_]|[${CONTROL}${BIDI}]`, 'gu');

/**
 * The line as it may be shown: control characters (escape sequences included) and bidi controls
 * removed, newlines and tabs kept. With `keepStyle`, the colour codes the UI itself uses survive.
 */
export function toTerminalText(text: string, options: { keepStyle?: boolean } = {}): string {
  const ownStyle = (sequence: string, codes: string | undefined) =>
    options.keepStyle &&
    codes !== undefined &&
    sequence.startsWith('\u001B[') &&
    sequence.endsWith('m') &&
    codes.split(';').every((code) => OWN_STYLE_CODES.has(code));
  return text
    .replace(/\r\n/gu, '\n')
    .replace(SEQUENCE_OR_UNSAFE, (found, codes: string | undefined) => (ownStyle(found, codes) ? found : ''));
}

/** JSON for a terminal: C1 and bidi controls escaped (JSON.stringify escapes only C0), so the data is kept. */
export function toTerminalJson(json: string): string {
  return json.replace(UNSAFE_GLOBAL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The first character a name must not hold (a control or bidi character), described, or undefined. */
export function unsafeCharacter(text: string): string | undefined {
  const found = UNSAFE_IN_NAME.exec(text);
  if (!found) return undefined;
  return `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at position ${found.index + 1}`;
}

/** A name made from a service's value (an environment's unique name) without what a name must not hold. */
export function plainName(text: string): string {
  return text.replace(new RegExp(UNSAFE_IN_NAME.source, 'gu'), '');
}

/** A value quoted in a message: shown safely and cut to `max` characters. */
export function quoteForMessage(text: string, max = 80): string {
  const safe = toTerminalText(text).replace(/\s+/gu, ' ');
  return safe.length > max ? `${safe.slice(0, max)}… (${text.length} characters)` : safe;
}
