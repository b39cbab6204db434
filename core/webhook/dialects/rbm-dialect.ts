import { isUtf8 } from 'node:buffer';
import { decodeBase64 } from '../base64.js';
import { HttpError } from '../../errors.js';
import { isJsonObject } from '../../events/json-value.js';
import { parseEvent } from '../../events/parse-event.js';
import { parseWebhookBody, type PushEnvelope } from '../envelope.js';
import { verifySignature } from '../signature.js';
import type { Dialect } from './dialect.js';

/**
 * RBM: a Pub/Sub-style envelope `{message: {data, …}, subscription}` whose base64 `message.data`
 * is the signed JSON document; X-Goog-Signature is HMAC-SHA512 over the decoded data bytes.
 *
 * @example
 * const body = RBM_DIALECT.read(ctx); // a Handshake, or a PushEnvelope
 */
export const RBM_DIALECT: Dialect<PushEnvelope, Uint8Array> = {
  read(ctx) {
    // The text koa-bodyparser kept is for Business Messages' signature only.
    ctx.request.rawBody = undefined as unknown as string;
    return parseWebhookBody(ctx.request.body);
  },
  signed(_ctx, push) {
    const bytes = decodeBase64(push.data);
    if (bytes === undefined || bytes.length === 0) {
      throw new HttpError(400, 'bad_base64', 'expected message.data to be non-empty standard base64');
    }
    return bytes;
  },
  verify: verifySignature,
  claimedAgent: (_push, bytes) => claimedAgent(bytes),
  pushInfo(push, webhook) {
    return {
      pushId: push.messageId,
      publishTime: push.publishTime,
      subscription: push.subscription,
      attributes: push.attributes,
      webhook,
      receivedAt: Date.now(),
    };
  },
  data: (_push, bytes) => decodeJsonObject(bytes),
  event: parseEvent,
  bytes: (bytes) => bytes,
};

/** The decoded data as a JSON object, or what is wrong with it. */
function decodeJsonObject(bytes: Uint8Array): Record<string, unknown> | string {
  // Checked by simdutf, then decoded by V8's own fast path: cheaper than a fatal TextDecoder.
  // A leading byte order mark is skipped, as TextDecoder does.
  if (!isUtf8(bytes)) return 'expected message.data to decode to UTF-8 JSON; it is not valid UTF-8';
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + bom, bytes.byteLength - bom).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return 'expected message.data to decode to a JSON object; it is not JSON';
  }
  if (!isJsonObject(data)) return 'expected message.data to decode to a JSON object; it is JSON but not an object';
  return data;
}

/** Past this, forged data is not parsed for the agent it claims: a forger's megabyte is not worth a second copy. */
const CLAIM_PARSE_LIMIT = 64 * 1024;

/** The agentId unverified data claims, for the notice only: the one decode of data whose signature failed. */
function claimedAgent(bytes: Uint8Array): string | undefined {
  if (bytes.length > CLAIM_PARSE_LIMIT) return undefined;
  try {
    const agentId = (JSON.parse(Buffer.from(bytes).toString('utf8')) as { agentId?: unknown }).agentId;
    return typeof agentId === 'string' ? agentId.slice(0, 200) : undefined;
  } catch {
    return undefined;
  }
}
