import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Compares two secrets in constant time, whatever their lengths: both are hashed first, so
 * neither the content nor the length of the expected value leaks through timing.
 *
 * @example
 * safeEqual('SJENCPGJESMGUFPY', given); // true only for the exact token
 */
export function safeEqual(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}
