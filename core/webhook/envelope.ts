import { HttpError } from '../errors.js';
import { isJsonObject as isObject } from '../events/json-value.js';

/** Google's verification request, sent when a webhook is configured. */
export interface Handshake {
  readonly kind: 'handshake';
  readonly clientToken: string;
  readonly secret: string;
}

/** The unsigned Pub/Sub wrapper around a signed `data` document. Nothing here is trusted. */
export interface PushEnvelope {
  readonly kind: 'push';
  /** base64 of the signed JSON document. */
  readonly data: string;
  readonly messageId?: string;
  readonly publishTime?: string;
  readonly subscription?: string;
  readonly attributes: Readonly<Record<string, string>>;
}


const optionalString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function stringAttributes(value: unknown): Record<string, string> {
  const attributes: Record<string, string> = Object.create(null);
  if (!isObject(value)) return attributes;
  for (const name in value) {
    const v = value[name];
    if (typeof v === 'string' && Object.hasOwn(value, name)) attributes[name] = v;
  }
  return attributes;
}

/**
 * Tells a parsed webhook body apart: a handshake `{clientToken, secret}` or a push
 * `{message: {data, …}, subscription}`. A body carrying `message` is always a push, so a
 * handshake mixed into a push can never make the server echo a secret.
 *
 * @throws HttpError 400 naming what was expected.
 * @example
 * parseWebhookBody({ clientToken: 'T', secret: '1' }); // { kind: 'handshake', … }
 */
export function parseWebhookBody(body: unknown): Handshake | PushEnvelope {
  if (!isObject(body)) {
    throw new HttpError(400, 'bad_body', `expected a JSON object (a handshake or a push), got ${describe(body)}`);
  }
  if ('message' in body) {
    const message = body.message;
    if (!isObject(message) || typeof message.data !== 'string') {
      throw new HttpError(400, 'bad_push', 'expected "message" to be an object with a base64 string "data"');
    }
    return {
      kind: 'push',
      data: message.data,
      messageId: optionalString(message.messageId) ?? optionalString(message.message_id),
      publishTime: optionalString(message.publishTime) ?? optionalString(message.publish_time),
      subscription: optionalString(body.subscription),
      attributes: stringAttributes(message.attributes),
    };
  }
  if ('clientToken' in body || 'secret' in body) {
    if (typeof body.clientToken !== 'string' || typeof body.secret !== 'string') {
      throw new HttpError(400, 'bad_handshake', 'expected a handshake with string "clientToken" and string "secret"');
    }
    return { kind: 'handshake', clientToken: body.clientToken, secret: body.secret };
  }
  throw new HttpError(
    400,
    'bad_body',
    'expected a handshake {"clientToken","secret"} or a push {"message":{"data"},"subscription"}',
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value === undefined) return 'an empty body';
  return `a ${typeof value}`;
}
