import { hash } from 'node:crypto';

/** The namespace of rbmkit's name-based UUIDs. */
export const RBMKIT_NAMESPACE = '3d0f7a52-8c1e-4b59-9a3e-6f2d41c8b7e0';

const NAMESPACE_BYTES = Buffer.from(RBMKIT_NAMESPACE.replaceAll('-', ''), 'hex');

/**
 * The SHA-1 digest a name-based UUID is made from: of the namespace's bytes, then the name's.
 * One-shot `hash` rather than a Hash object per name (about 2 us less on every reply).
 *
 * @example
 * nameDigest('shop@rbm.goog|+12223334444|MSG-1|echo|message').length; // 20
 */
export function nameDigest(name: string): Buffer {
  const input = Buffer.allocUnsafe(NAMESPACE_BYTES.length + Buffer.byteLength(name, 'utf8'));
  NAMESPACE_BYTES.copy(input, 0);
  input.write(name, NAMESPACE_BYTES.length, 'utf8');
  return hash('sha1', input, 'buffer');
}

/**
 * The RFC 4122 version-5 (name-based, SHA-1) UUID of `name` in rbmkit's namespace: the same
 * name always gives the same UUID. The `uuid` package computes the same value (a test checks
 * it) but in JavaScript; node:crypto's native SHA-1 is several times faster on the hot path.
 * With `counter`, the last 4 bytes are XORed with it: one digest then names a whole series
 * (the 1st, 2nd… send of a handler run) without hashing again.
 *
 * @example
 * nameUuid('shop@rbm.goog|+12223334444|MSG-1|echo|message'); // always the same UUID
 */
export function nameUuid(name: string | Buffer, counter = 0): string {
  // A digest made here is this call's own; one given is the caller's, for a whole series: copied.
  const bytes = typeof name === 'string' ? nameDigest(name) : Buffer.from(name);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  if (counter !== 0) bytes.writeUInt32BE((bytes.readUInt32BE(12) ^ counter) >>> 0, 12);
  const hex = bytes.toString('hex', 0, 16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
