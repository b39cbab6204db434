/** The char code of '=', base64's padding. */
const EQUALS = 61;

/**
 * Decodes standard base64 strictly, returning `undefined` for anything but the canonical
 * encoding of some bytes (padding optional), which is what Google sends. Node's own decoder
 * skips invalid characters silently and takes the URL-safe alphabet too; this one decodes,
 * encodes the bytes back and compares: one native pass each way, cheaper than a regular
 * expression over the text.
 *
 * @example
 * decodeBase64('aGk='); // <Buffer 68 69>
 * decodeBase64('aGk'); // <Buffer 68 69>
 * decodeBase64('not base64!'); // undefined
 */
export function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  const canonical = bytes.toString('base64');
  if (canonical === text) return bytes;
  // Without its padding, all of it: 'aGk' stands for 'aGk=', 'aA' for 'aA==' (never 'aA=').
  const missing = canonical.length - text.length;
  if ((missing === 1 || missing === 2) && text.charCodeAt(text.length - 1) !== EQUALS && canonical.charCodeAt(text.length) === EQUALS && canonical.startsWith(text)) {
    return bytes;
  }
  return undefined;
}

