const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

/**
 * Decodes standard base64 strictly (padding optional), returning `undefined` for anything
 * else. Node's own decoder skips invalid characters silently; this one does not.
 *
 * @example
 * decodeBase64('aGk='); // <Buffer 68 69>
 * decodeBase64('not base64!'); // undefined
 */
export function decodeBase64(text: string): Buffer | undefined {
  if (!STANDARD_BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
