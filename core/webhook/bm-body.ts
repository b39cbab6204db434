import { HttpError } from '../errors.js';
import { isJsonObject as isObject } from '../events/json-value.js';
import type { Handshake } from './envelope.js';

/** A Business Messages event body: the body itself is the event (no envelope). Nothing here is trusted until verified. */
export interface BmBody {
  readonly kind: 'bm';
  readonly data: Record<string, unknown>;
}

/**
 * Tells a parsed Business Messages webhook body apart: a handshake `{clientToken, secret}` or an
 * event `{conversationId, requestId, …}`. A body naming a conversation is always an event, so a
 * handshake mixed into an event can never make the server echo a secret.
 *
 * @throws HttpError 400 naming what was expected.
 * @example
 * parseBmBody({ conversationId: 'C1', message: { text: 'hi' } }); // { kind: 'bm', data: … }
 */
export function parseBmBody(body: unknown): Handshake | BmBody {
  if (!isObject(body)) {
    throw new HttpError(400, 'bad_body', 'expected a JSON object (a handshake or a Business Messages event)');
  }
  if ('conversationId' in body) {
    if (typeof body.conversationId !== 'string' || body.conversationId === '' || body.conversationId.length > 1000) {
      throw new HttpError(400, 'bad_event', 'expected "conversationId" to be a non-empty string of at most 1000 characters');
    }
    return { kind: 'bm', data: body };
  }
  if ('clientToken' in body || 'secret' in body) {
    if (typeof body.clientToken !== 'string' || typeof body.secret !== 'string') {
      throw new HttpError(400, 'bad_handshake', 'expected a handshake with string "clientToken" and string "secret"');
    }
    return { kind: 'handshake', clientToken: body.clientToken, secret: body.secret };
  }
  throw new HttpError(400, 'bad_body', 'expected a handshake {"clientToken","secret"} or a Business Messages event {"conversationId", "requestId", …}');
}
