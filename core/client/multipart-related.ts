import { randomUUID } from 'node:crypto';

/**
 * A `multipart/related` body as Google's upload protocol takes it (`uploadType=multipart`):
 * the JSON metadata first, then the media bytes with their content type.
 *
 * @example
 * const { body, contentType } = multipartRelated({ agentId: 'shop@rbm.goog' }, { data: png, contentType: 'image/png' });
 * // contentType: 'multipart/related; boundary=…'
 */
export function multipartRelated(metadata: unknown, media: { readonly data: Uint8Array; readonly contentType: string }): { body: Buffer; contentType: string } {
  const boundary = `rbmkit-${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n`),
    Buffer.from(`--${boundary}\r\nContent-Type: ${media.contentType}\r\n\r\n`),
    Buffer.from(media.data.buffer, media.data.byteOffset, media.data.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/related; boundary=${boundary}` };
}
