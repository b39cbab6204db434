import { HttpError } from '../../errors.js';
import { parseBmEvent } from '../../events/parse-bm-event.js';
import { parseBmBody, type BmBody } from '../bm-body.js';
import { verifySignature } from '../signature.js';
import type { Dialect } from './dialect.js';

/** Business Messages events carry no Pub/Sub attributes: one frozen empty record serves them all. */
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

/**
 * Business Messages: the body itself is the event (no envelope), and X-Goog-Signature is
 * HMAC-SHA512 over the raw body bytes, exactly as they arrived. koa-bodyparser kept them as
 * `rawBody` (the text it parsed), so nothing is read twice and the RBM path does no extra work;
 * that text re-encoded as UTF-8 is the wire bytes.
 *
 * @example
 * const body = BM_DIALECT.read(ctx); // a Handshake, or a BmBody
 */
export const BM_DIALECT: Dialect<BmBody, string | undefined> = {
  read: (ctx) => parseBmBody(ctx.request.body),
  signed: (ctx) => rawText(ctx.request.rawBody),
  verify: (keys, raw, signature) => raw !== undefined && verifySignature(keys, Buffer.from(raw, 'utf8'), signature),
  claimedAgent: (body) => (typeof body.data.agent === 'string' ? body.data.agent.slice(0, 200) : undefined),
  pushInfo: (_body, webhook) => ({ attributes: NO_ATTRIBUTES, webhook, receivedAt: Date.now() }),
  // The verified body is the event's data, as message.data is for RBM: a queue worker rebuilds
  // the event from it and replies through this webhook's client.
  data: (body) => body.data,
  event(data, push) {
    const event = parseBmEvent(data, push);
    if (event === undefined) throw new HttpError(400, 'bad_event', 'expected "conversationId" to be a non-empty string');
    return event;
  },
  // Only asked of a body whose signature verified, so the raw text is there.
  bytes: (raw) => Buffer.from(raw ?? '', 'utf8'),
};

/** The raw body text, when koa-bodyparser kept it. */
function rawText(raw: unknown): string | undefined {
  return typeof raw === 'string' ? raw : undefined;
}
