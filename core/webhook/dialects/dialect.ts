import type { KeyObject } from 'node:crypto';
import type { Context } from 'koa';
import type { PushInfo, RbmEvent } from '../../events/event-types.js';
import type { Handshake } from '../envelope.js';

/**
 * What one webhook dialect says, for the one ingress pipeline that runs them all: how to read
 * its body, what its signature covers, and how the verified body becomes an event. Ingress does
 * the rest once, whatever the dialect: the signature header, refusals, agent ownership, the
 * replay window, dispatch or the queue.
 *
 * A dialect is one object for the life of the process: its steps take what they need as
 * arguments, so serving a push builds nothing for the dialect.
 *
 * `Body` is the event body as read (nothing trusted), `Signed` what the signature covers as
 * the dialect keeps it (decoded bytes for RBM, the raw text for Business Messages).
 */
export interface Dialect<Body extends { readonly kind: 'push' | 'bm' }, Signed> {
  /**
   * Tells a parsed request body apart: Google's verification handshake, or an event body.
   *
   * @throws HttpError 400 naming what was expected.
   */
  read(ctx: Context): Handshake | Body;
  /**
   * What the signature of this body covers, as kept for {@link verify}.
   *
   * @throws HttpError 400 when the body cannot carry a signed document at all.
   */
  signed(ctx: Context, body: Body): Signed;
  /** Whether `signature` (the X-Goog-Signature header) signs `signed` with one of `keys`. */
  verify(keys: readonly KeyObject[], signed: Signed, signature: string): boolean;
  /** The agent an unverified body claims (at most 200 characters), for a `rejected` notice only. */
  claimedAgent(body: Body, signed: Signed): string | undefined;
  /** How the verified request arrived, for the event and its dead letter; `receivedAt` is now. */
  pushInfo(body: Body, webhook: string): PushInfo;
  /** The verified document the event is parsed from, and queued as; or what is wrong with it (answered `bad_data`). */
  data(body: Body, signed: Signed): Record<string, unknown> | string;
  /**
   * The event of a verified document.
   *
   * @throws HttpError 400 when the document cannot be an event of this dialect.
   */
  event(data: Record<string, unknown>, push: PushInfo): RbmEvent;
  /** The verified bytes, for the dead letter of an event that cannot be used. */
  bytes(signed: Signed): Uint8Array;
}
