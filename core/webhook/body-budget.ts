import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What a body about to be read is charged against the budget, in bytes (0: it has none): its
 * Content-Length, or the limit when chunked or compressed.
 *
 * @example
 * bodyCharge(req, 1024 * 1024); // 2048 for Content-Length: 2048
 */
export function bodyCharge(req: IncomingMessage, limit: number): number {
  const length = req.headers['content-length'];
  const chunked = req.headers['transfer-encoding'] !== undefined;
  if (length === undefined && !chunked) return 0;
  const encoding = req.headers['content-encoding'];
  // A compressed body grows up to the limit once inflated; a chunked one says nothing in advance.
  if (chunked || (encoding !== undefined && encoding.toLowerCase() !== 'identity')) return limit;
  const bytes = Number(length);
  // Too large is refused (413) before it is read; an unreadable length, by the HTTP parser.
  return Number.isFinite(bytes) && bytes > 0 ? Math.min(bytes, limit) : 0;
}

/** Where a response keeps the bytes its body was charged, until it closes. */
const CHARGE = Symbol('rbmkit.bodyCharge');
type Charged = ServerResponse & { [CHARGE]?: number | undefined };

/**
 * The bytes of request bodies being read and parsed at once, at most: a body is charged
 * (its Content-Length, or the body limit when chunked or compressed) before it is read and
 * given back when its answer is done. Past the budget, a request is refused at once rather
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
   * Charges a request's body for the life of its answer. Returns false, charging nothing,
   * when it does not fit: the caller answers 503 without reading it.
   *
   * @example
   * if (!budget.admit(req, res, 1024 * 1024)) return answerOverBudget(res);
   */
  admit(req: IncomingMessage, res: ServerResponse, limit: number): boolean {
    const charge = bodyCharge(req, limit);
    if (!this.reserve(charge)) return false;
    if (charge > 0) {
      (res as Charged)[CHARGE] = charge;
      res.on('close', this.releaseOnClose);
    }
    return true;
  }
}
