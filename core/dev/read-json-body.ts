import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors.js';

/**
 * Reads a request's JSON body of at most `limit` bytes; answers 413 past it, 415 for another
 * content type (which also keeps other web sites from posting without a CORS preflight), 400
 * for bad JSON.
 *
 * @example
 * const body = await readJsonBody(ctx.req); // { agentId: 'cafe@rbm.goog', … }
 */
export async function readJsonBody(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'unsupported_media_type', 'expected a JSON body (content-type: application/json)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, 'body_too_large', `expected a body of at most ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'bad_json', 'expected a JSON body');
  }
}
