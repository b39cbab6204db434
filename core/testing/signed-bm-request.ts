import { signData } from '../webhook/signature.js';

/**
 * A Business Messages request ready to POST: the exact body and the headers Google sent,
 * X-Goog-Signature being base64 HMAC-SHA512 over the raw body bytes (no envelope).
 *
 * @example
 * const request = signedBmRequest(bmPayloads.text({ text: 'hi' }), { token: 'BM_TOKEN' });
 * await fetch(`${url}/bm`, { method: 'POST', ...request });
 */
export function signedBmRequest(body: object | string, options: { readonly token: string }): { body: string; headers: Record<string, string> } {
  // A string is signed as given, byte for byte: whitespace and key order are the sender's.
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { body: text, headers: { 'content-type': 'application/json', 'x-goog-signature': signData(options.token, Buffer.from(text, 'utf8')) } };
}
