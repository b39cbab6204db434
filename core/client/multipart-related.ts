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

/** One part of a `multipart/related` body: its headers (names in lower case) and its bytes. */
export interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Buffer;
}

/**
 * The parts of a `multipart/related` body, the inverse of {@link multipartRelated}; undefined
 * when it is not well formed (no boundary, a part not closed, headers not ended).
 *
 * @example
 * const { body, contentType } = multipartRelated({ agentId: 'shop@rbm.goog' }, { data: png, contentType: 'image/png' });
 * const [metadata, media] = parseMultipartRelated(contentType, body)!; // media.headers['content-type']: 'image/png'
 */
export function parseMultipartRelated(contentType: string, raw: Buffer): MultipartPart[] | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let index = raw.indexOf(delimiter);
  if (index === -1) return undefined;
  const parts: MultipartPart[] = [];
  for (;;) {
    let start = index + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') return parts;
    if (raw.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) return undefined;
    const end = raw.subarray(next - 2, next).toString() === '\r\n' ? next - 2 : next;
    const part = raw.subarray(start, end);
    const headerEnd = part.subarray(0, 2).toString() === '\r\n' ? 0 : part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return undefined;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, data: part.subarray(headerEnd === 0 ? 2 : headerEnd + 4) });
    index = next;
  }
}
