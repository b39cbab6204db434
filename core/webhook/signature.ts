import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeBase64 } from './base64.js';

const SHA512_BYTES = 64;
/** 64 bytes in standard base64: 86 characters and `==`. */
const SIGNATURE_LENGTH = 88;

/**
 * Prepares a clientToken as an HMAC key once, so verifying a push builds nothing per token.
 *
 * @example
 * const key = signingKey('SJENCPGJESMGUFPY');
 */
export function signingKey(clientToken: string): KeyObject {
  return createSecretKey(Buffer.from(clientToken, 'utf8'));
}

/**
 * The X-Goog-Signature Google sends: base64 of HMAC-SHA512 over the decoded `message.data`
 * bytes, keyed with the webhook's clientToken.
 *
 * @example
 * signData('SJENCPGJESMGUFPY', Buffer.from('{"text":"hi"}')); // 'base64…=='
 */
export function signData(clientToken: string | KeyObject, data: Uint8Array): string {
  const key = typeof clientToken === 'string' ? signingKey(clientToken) : clientToken;
  return createHmac('sha512', key).update(data).digest('base64');
}

/**
 * Checks an X-Goog-Signature against each candidate key (one HMAC per key, so a token can be
 * rotated without downtime), comparing digests in constant time. Pure: no I/O, no state.
 *
 * @example
 * verifySignature([signingKey(token)], decodedData, ctx.get('x-goog-signature')); // boolean
 */
export function verifySignature(
  keys: readonly KeyObject[],
  data: Uint8Array,
  signature: string | undefined,
): boolean {
  if (signature === undefined || signature.length !== SIGNATURE_LENGTH) return false;
  const given = decodeBase64(signature);
  if (given === undefined || given.length !== SHA512_BYTES) return false;
  let matched = false;
  for (const key of keys) {
    const expected = createHmac('sha512', key).update(data).digest();
    // Every key is tried even after a match, so timing does not reveal which one matched.
    if (timingSafeEqual(expected, given)) matched = true;
  }
  return matched;
}
