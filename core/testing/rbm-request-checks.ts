import type { IncomingMessage } from 'node:http';
import { parseMultipartRelated, type MultipartPart } from '../client/multipart-related.js';
import type { FakeUpload } from './fake-rbm-records.js';
import { Refusal } from './refusal.js';

/** An id Google takes: a UUID, any version. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A JSON body, or 400 as Google answers a body that is not JSON.
 *
 * @example
 * const { users } = jsonBody(body, 'application/json'); // Refusal(400) for text/plain
 */
export function jsonBody(body: unknown, contentType: string): Record<string, unknown> {
  if (!contentType.includes('json') || typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refusal(400, 'INVALID_ARGUMENT', `The body must be a JSON object (Content-Type application/json), got ${JSON.stringify(contentType)}.`);
  }
  return body as Record<string, unknown>;
}

/**
 * agentId of a method whose body is the whole request: a query agentId is not read, so it is missing (403).
 *
 * @example
 * bodyAgentId({ agentId: 'shop@rbm.goog' }); // 'shop@rbm.goog'; {} is Refusal(403, 'PERMISSION_DENIED')
 */
export function bodyAgentId(body: { agentId?: unknown }): string {
  if (typeof body.agentId !== 'string' || body.agentId === '') {
    throw new Refusal(403, 'PERMISSION_DENIED', 'The caller does not have permission (no agentId in the request body; this method reads none from the query).');
  }
  return body.agentId;
}

/**
 * The file of `/upload/v1/files?uploadType=multipart`: a multipart/related body, metadata
 * `{agentId, contentDescription?}` then the bytes; refused as Google refuses anything else.
 *
 * @example
 * const file = multipartUpload({ uploadType: 'multipart' }, body, 'multipart/related; boundary=B'); // { agentId, contentType, data }
 */
export function multipartUpload(query: Readonly<Record<string, string>>, body: unknown, contentType: string): Omit<FakeUpload, 'name'> {
  if (query.uploadType !== 'multipart') {
    throw new Refusal(400, 'INVALID_ARGUMENT', `uploadType must be multipart (metadata with agentId, then the file), got ${JSON.stringify(query.uploadType ?? '')}.`);
  }
  if (!/^multipart\/related\s*;/i.test(contentType) || !Buffer.isBuffer(body)) {
    throw new Refusal(400, 'INVALID_ARGUMENT', `Content-Type must be multipart/related with a boundary, got ${JSON.stringify(contentType)}.`);
  }
  const parts = parseMultipartRelated(contentType, body);
  if (parts === undefined || parts.length !== 2) throw new Refusal(400, 'INVALID_ARGUMENT', 'The multipart body must hold two parts: the JSON metadata, then the file.');
  const [metadataPart, media] = parts as [MultipartPart, MultipartPart];
  if (!(metadataPart.headers['content-type'] ?? '').includes('json')) throw new Refusal(400, 'INVALID_ARGUMENT', 'The first part must be the JSON metadata {"agentId"}.');
  let metadata: { agentId?: unknown; contentDescription?: unknown };
  try {
    metadata = JSON.parse(metadataPart.data.toString('utf8')) as typeof metadata;
  } catch {
    throw new Refusal(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received in the metadata part.');
  }
  const agentId = bodyAgentId(metadata);
  const mediaType = media.headers['content-type'];
  if (mediaType === undefined || !mediaType.includes('/')) throw new Refusal(400, 'INVALID_ARGUMENT', 'The file part must say its Content-Type.');
  if (media.data.length === 0) throw new Refusal(400, 'INVALID_ARGUMENT', 'The file part is empty.');
  return {
    agentId,
    contentType: mediaType,
    data: media.data,
    ...(typeof metadata.contentDescription === 'string' ? { contentDescription: metadata.contentDescription } : {}),
  };
}

/**
 * A request's whole body.
 *
 * @example
 * const raw = await readBody(req);
 */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
