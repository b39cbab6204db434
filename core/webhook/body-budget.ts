import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The largest body a request without `X-Goog-Signature` may have, in bytes. Google signs every
 * push; the only unsigned body it sends is the verification handshake `{clientToken, secret}`,
 * well under 200 bytes. A larger unsigned body is refused (413) before a byte of it is read.
 */
export const UNSIGNED_BODY_LIMIT = 4096;

/**
 * Bytes of memory a body takes while read and parsed, per byte of it, as measured on Node 20
 * (`npm run bench:body`): its chunks and their concatenation, the text koa-bodyparser decodes,
 * the parsed JSON's strings, and the base64-decoded `message.data`. A body is charged this many
 * times its length, so the budget bounds memory rather than counting wire bytes.
 */
export const BODY_MEMORY_FACTOR = 4;

/**
 * The largest body a request may send: `limit`, or {@link UNSIGNED_BODY_LIMIT} when it carries
 * no `X-Goog-Signature` (it can only be a handshake).
 *
 * @example
 * bodyLimitOf(req, 1024 * 1024); // 4096 for an unsigned request
 */
export function bodyLimitOf(req: Pick<IncomingMessage, 'headers'>, limit: number): number {
  return req.headers['x-goog-signature'] === undefined ? Math.min(limit, UNSIGNED_BODY_LIMIT) : limit;
}

/**
 * What a body about to be read is charged against the budget, in bytes of memory (0: it has
 * none, or it is refused unread for being too large): {@link BODY_MEMORY_FACTOR} times its
 * Content-Length, or times its limit when chunked or compressed. An unsigned request's limit
 * is {@link UNSIGNED_BODY_LIMIT}.
 *
 * @example
 * bodyCharge(signedReq, 1024 * 1024); // 8192 for Content-Length: 2048
 */
export function bodyCharge(req: IncomingMessage, limit: number): number {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length === undefined && !chunked) return 0;
  const most = bodyLimitOf(req, limit);
  const encoding = req.headers['content-encoding'];
  // A compressed body grows up to the limit once inflated; a chunked one says nothing in advance.
  if (chunked || (encoding !== undefined && encoding.toLowerCase() !== 'identity')) return most * BODY_MEMORY_FACTOR;
  const bytes = Number(length);
  // Too large is refused (413) before it is read; an unreadable length, by the HTTP parser.
  return Number.isFinite(bytes) && bytes > 0 && bytes <= most ? bytes * BODY_MEMORY_FACTOR : 0;
}

/**
 * What a request refused for the budget hears: 503 `overloaded`, this message, Retry-After 1 s.
 *
 * @example
 * answerJson(res, 503, 'overloaded', overBudgetMessage(budget), { 'Retry-After': '1' });
 */
export function overBudgetMessage(budget: Pick<BodyBudget, 'bytes'>): string {
  return `too many request bodies being read at once (budget ${budget.bytes} bytes); expected a retry later`;
}

/** Where a response keeps the bytes its body was charged, until it closes. */
const CHARGE = Symbol('rbmkit.bodyCharge');
type Charged = ServerResponse & { [CHARGE]?: number | undefined };

/**
 * The memory of request bodies being read and parsed at once, at most: a body is charged
 * (see {@link bodyCharge}) before it is read and given back when its answer is done. Past the budget, a request is refused at once rather
 * than read, so many large bodies at a time cannot take the process's memory.
 *
 * @example
 * const budget = new BodyBudget(64 * 1024 * 1024);
 * if (budget.reserve(1024)) {
 *   // … read and parse …
 *   budget.release(1024);
 * }
 */
export class BodyBudget {
  private used = 0;
  /** Gives back what a response was charged when it closes: one listener for all, no closure per request. */
  private readonly releaseOnClose: (this: Charged) => void;

  constructor(readonly bytes: number) {
    const budget = this;
    this.releaseOnClose = function (this: Charged) {
      const charge = this[CHARGE];
      if (charge === undefined) return;
      this[CHARGE] = undefined;
      budget.release(charge);
    };
  }

  /** Bytes charged now. */
  get inUse(): number {
    return this.used;
  }

  /** Charges `bytes`; false (nothing charged) when they do not fit. */
  reserve(bytes: number): boolean {
    if (bytes === 0) return true;
    if (this.used + bytes > this.bytes) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back what {@link BodyBudget.reserve} charged. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }

  /**
   * Charges a request's body for the life of its answer (once: a request admitted already is
   * not charged again). Returns false, charging nothing, when it does not fit: the caller
   * answers 503 without reading it.
   *
   * @example
   * if (!budget.admit(req, res, 1024 * 1024)) return answerOverBudget(res);
   */
  admit(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
    // Admitted already (by the server, before a mounted route admits it again): charged once.
    if ((res as Charged)[CHARGE] !== undefined) return true;
    const charge = bodyCharge(req, limit);
    if (!this.reserve(charge)) return false;
    if (charge > 0) {
      (res as Charged)[CHARGE] = charge;
      res.on('close', this.releaseOnClose);
    }
    return true;
  }
}
