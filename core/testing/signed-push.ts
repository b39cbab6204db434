import { randomUUID } from 'node:crypto';
import { signData } from '../webhook/signature.js';

/** A push ready to POST: its JSON body and headers, signed as Google signs. */
export interface SignedPush {
  readonly body: string;
  readonly headers: Record<string, string>;
}

export interface SignOptions {
  /** The clientToken to sign with (the webhook's). */
  readonly token: string;
  /** Pub/Sub envelope fields. */
  readonly pushId?: string;
  readonly attributes?: Record<string, string>;
}

/**
 * Wraps a decoded RBM document in a Pub/Sub push envelope and signs it: X-Goog-Signature is
 * base64 HMAC-SHA512 of the exact data bytes, keyed with the token. Pass a string or bytes to
 * sign exact bytes.
 *
 * @example
 * const push = signedPush(payloads.text({ text: 'hi' }), { token: 'SJENCPGJESMGUFPY' });
 * await fetch(url, { method: 'POST', ...push });
 */
export function signedPush(data: object | string | Uint8Array, options: SignOptions): SignedPush {
  const bytes =
    typeof data === 'string' ? Buffer.from(data, 'utf8') : data instanceof Uint8Array ? Buffer.from(data) : Buffer.from(JSON.stringify(data), 'utf8');
  const pushId = options.pushId ?? String(Math.floor(Math.random() * 1e15));
  const publishTime = new Date().toISOString();
  const body = JSON.stringify({
    message: {
      data: bytes.toString('base64'),
      messageId: pushId,
      message_id: pushId,
      publishTime,
      publish_time: publishTime,
      attributes: options.attributes ?? { product: 'RBM', type: 'message' },
    },
    subscription: `projects/rbm-test/subscriptions/${randomUUID()}`,
  });
  return { body, headers: { 'content-type': 'application/json', 'x-goog-signature': signData(options.token, bytes) } };
}

/**
 * POSTs a signed push (or any body) to a webhook URL; resolves with the status and the parsed
 * JSON (or text) body.
 *
 * @example
 * const { status, body } = await post(`${url}/webhook`, signedPush(payload, { token }));
 */
export async function post(
  url: string,
  push: { body: string; headers?: Record<string, string> },
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const response = await fetch(url, { method: 'POST', body: push.body, headers: push.headers ?? { 'content-type': 'application/json' } });
  const text = await response.text();
  let body: unknown = text;
  if ((response.headers.get('content-type') ?? '').includes('json')) body = JSON.parse(text);
  return { status: response.status, body, headers: response.headers };
}
