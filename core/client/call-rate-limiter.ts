import { RbmRateLimitError } from './rbm-api-errors.js';
import { RATE_LIMITED_CALLS, type RateLimitedCall, type NoneLeft } from './rbm-calls.js';
import { checkRateLimit, TokenBucket, type RateLimit } from './token-bucket.js';

// The kinds are the `pace` of the calls in RBM_CALLS: re-exported here, where they are used.
export { RATE_LIMITED_CALLS, type RateLimitedCall };

/**
 * How a client paces its calls, per agent: each kind has its own limit (`false`: none). Calls
 * over the rate wait their turn, in order; a call that would wait longer than `maxWaitMs`
 * fails at once with a retryable {@link RbmRateLimitError}.
 */
export interface RateLimits {
  /** `users:batchGet`. Default 600 a minute, Google's documented quota. */
  readonly batchGet?: RateLimit | false;
  /** `agentMessages` (sends). Default none: set it to your project's quota. */
  readonly messages?: RateLimit | false;
  /** `agentEvents` (READ, IS_TYPING). Default none. */
  readonly events?: RateLimit | false;
  /** Longest wait for a turn, in ms; a call that would wait longer fails at once. Default 30,000. */
  readonly maxWaitMs?: number;
}

// A paced call added to RBM_CALLS fails here until RateLimits documents its key (the config's key takes that doc).
type RateLimitsNameEveryKind = NoneLeft<Exclude<RateLimitedCall, keyof RateLimits> | Exclude<keyof RateLimits, RateLimitedCall | 'maxWaitMs'>>;

/** Google's documented quota of `users:batchGet`: 600 queries a minute. */
export const BATCH_GET_LIMIT: RateLimit = Object.freeze({ calls: 600, perMs: 60_000 });

/** Limits of the kinds paced when not told otherwise (the others: none). */
const DEFAULT_LIMITS: Readonly<Partial<Record<RateLimitedCall, RateLimit>>> = { batchGet: BATCH_GET_LIMIT };

/** What became of one call that found no token free (calls that found one are not reported). */
export interface RateLimitWait {
  readonly kind: RateLimitedCall;
  readonly agentId: string;
  /** `waited`: it went after waiting; `refused`: the wait would have passed `maxWaitMs`; `aborted`: its signal fired while it waited. */
  readonly outcome: 'waited' | 'refused' | 'aborted';
  /** How long it waited (0 when refused). */
  readonly waitedMs: number;
}

/** Where a waiting call's abort signal is read from, only if it has to wait. */
export interface SignalSource {
  readonly signal?: AbortSignal | undefined;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly since: number;
  readonly signal: AbortSignal | undefined;
  onAbort?: () => void;
}

/** One agent's bucket of one kind, and the calls waiting for it. */
interface Lane {
  readonly bucket: TokenBucket;
  readonly waiting: Waiter[];
  timer: NodeJS.Timeout | undefined;
}

/** Lanes kept per kind before full, idle ones (as good as new) are dropped. */
const SWEEP_AT = 1_000;

/**
 * Paces a client's calls with a token bucket per agent and kind of call. A call that finds a
 * token free and nobody waiting goes at once: {@link CallRateLimiter.take} returns undefined,
 * with no promise and no timer made. Others wait in line (one timer per waiting lane) and go
 * in the order they came; one that would wait longer than `maxWaitMs` fails at once with a
 * retryable RbmRateLimitError, and one whose signal fires stops waiting with the signal's reason.
 *
 * Written here, small, rather than taken from npm: `limiter` (4.x) has the synchronous fast
 * path, but its waiting path takes no abort signal, has no bound on the wait and starts its
 * buckets empty; `bottleneck` (2.19) schedules every job through promises, under the rate
 * too; `rate-limiter-flexible`'s RateLimiterQueue (11.4) waits per key but makes two promises
 * per call, takes no abort signal, expires a waiter only once its deadline (whole seconds) has
 * passed rather than refusing it up front, and counts fixed windows.
 *
 * @example
 * const limiter = new CallRateLimiter({ messages: { calls: 100, perMs: 1_000 } });
 * const turn = limiter.take('messages', 'shop@rbm.goog');
 * if (turn !== undefined) await turn;
 */
export class CallRateLimiter {
  private readonly limits: Readonly<Record<RateLimitedCall, RateLimit | undefined>>;
  private readonly lanes = Object.fromEntries(RATE_LIMITED_CALLS.map((kind) => [kind, new Map<string, Lane>()])) as Readonly<Record<RateLimitedCall, Map<string, Lane>>>;
  private readonly maxWaitMs: number;
  private readonly observers = new Set<(wait: RateLimitWait) => void>();

  /** `false` paces nothing; omitted kinds take their defaults (batchGet 600 a minute, the rest none). */
  constructor(
    options: RateLimits | false = {},
    private readonly now: () => number = () => performance.now(),
  ) {
    const given: RateLimits = options === false ? {} : options;
    const pick = (kind: RateLimitedCall) => {
      const limit = options === false ? false : given[kind];
      const chosen = limit === false ? undefined : (limit ?? DEFAULT_LIMITS[kind]);
      if (chosen !== undefined) checkRateLimit(chosen);
      return chosen;
    };
    this.limits = Object.fromEntries(RATE_LIMITED_CALLS.map((kind) => [kind, pick(kind)])) as Readonly<Record<RateLimitedCall, RateLimit | undefined>>;
    const maxWaitMs = given.maxWaitMs ?? 30_000;
    if (!(maxWaitMs >= 0)) throw new RangeError(`rate limit maxWaitMs: expected 0 or more ms, got ${JSON.stringify(maxWaitMs)}`);
    this.maxWaitMs = maxWaitMs;
  }

  /** The limit of a kind of call, or undefined when it is not paced. */
  limitOf(kind: RateLimitedCall): RateLimit | undefined {
    return this.limits[kind];
  }

  /**
   * Takes a turn for one call: undefined when it may go now, else a promise that resolves
   * when its turn comes (rejects with RbmRateLimitError when the wait would pass `maxWaitMs`,
   * with the signal's reason when `from.signal` fires first). `from.signal` is read only if
   * the call has to wait.
   *
   * @example
   * const turn = limiter.take('batchGet', agentId, request);
   * if (turn !== undefined) await turn;
   */
  take(kind: RateLimitedCall, agentId: string, from?: SignalSource): Promise<void> | undefined {
    const limit = this.limits[kind];
    if (limit === undefined) return undefined;
    const lanes = this.lanes[kind];
    let lane = lanes.get(agentId);
    if (lane === undefined) {
      if (lanes.size >= SWEEP_AT) sweep(lanes);
      lane = { bucket: new TokenBucket(limit, this.now), waiting: [], timer: undefined };
      lanes.set(agentId, lane);
    }
    // Nobody in line and a token free: the call goes, nothing allocated.
    if (lane.waiting.length === 0 && lane.bucket.tryTake()) return undefined;
    return this.wait(kind, agentId, lane, from?.signal);
  }

  /**
   * Calls `observer` for each call that found no token free: it waited, was refused, or was
   * aborted. Returns a function that stops it.
   *
   * @example
   * limiter.observe((wait) => metrics.countRateLimited(wait.kind, wait.outcome));
   */
  observe(observer: (wait: RateLimitWait) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /** Calls waiting for a turn now, across agents and kinds. */
  get waiting(): number {
    let count = 0;
    for (const lanes of Object.values(this.lanes)) for (const lane of lanes.values()) count += lane.waiting.length;
    return count;
  }

  private wait(kind: RateLimitedCall, agentId: string, lane: Lane, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted === true) {
      this.report({ kind, agentId, outcome: 'aborted', waitedMs: 0 });
      return Promise.reject(signal.reason);
    }
    // Its turn comes when a token is there for each call ahead of it, and one for it.
    const expected = lane.bucket.msUntil(lane.waiting.length + 1);
    if (expected > this.maxWaitMs) {
      this.report({ kind, agentId, outcome: 'refused', waitedMs: 0 });
      const limit = this.limits[kind]!;
      return Promise.reject(
        new RbmRateLimitError(
          `RBM API rate limit: a ${kind} call of ${agentId} would wait ${Math.ceil(expected)} ms for its turn (${limit.calls} per ${limit.perMs} ms, ${lane.waiting.length} calls ahead), more than maxWaitMs ${this.maxWaitMs}; expected fewer calls at once, or retry later`,
          0,
          'CLIENT_RATE_LIMIT',
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, since: this.now(), signal };
      if (signal !== undefined) {
        waiter.onAbort = () => {
          const index = lane.waiting.indexOf(waiter);
          if (index === -1) return;
          lane.waiting.splice(index, 1);
          this.report({ kind, agentId, outcome: 'aborted', waitedMs: this.now() - waiter.since });
          reject(signal.reason);
          // The head left: the next in line may be due sooner.
          if (index === 0) this.schedule(kind, agentId, lane);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      lane.waiting.push(waiter);
      if (lane.waiting.length === 1) this.schedule(kind, agentId, lane);
    });
  }

  /** Sets the lane's one timer for when its first waiter's token is there. */
  private schedule(kind: RateLimitedCall, agentId: string, lane: Lane): void {
    if (lane.timer !== undefined) clearTimeout(lane.timer);
    lane.timer = undefined;
    if (lane.waiting.length === 0) return;
    lane.timer = setTimeout(() => this.release(kind, agentId, lane), Math.max(1, Math.ceil(lane.bucket.msUntil(1))));
  }

  /** Lets the waiters whose tokens are there go, in order; sets the timer for the rest. */
  private release(kind: RateLimitedCall, agentId: string, lane: Lane): void {
    lane.timer = undefined;
    while (lane.waiting.length > 0 && lane.bucket.tryTake()) {
      const waiter = lane.waiting.shift()!;
      if (waiter.onAbort !== undefined) waiter.signal!.removeEventListener('abort', waiter.onAbort);
      this.report({ kind, agentId, outcome: 'waited', waitedMs: this.now() - waiter.since });
      waiter.resolve();
    }
    this.schedule(kind, agentId, lane);
  }

  private report(wait: RateLimitWait): void {
    for (const observer of this.observers) observer(wait);
  }
}

/** Drops the lanes nobody waits in whose bucket is full: a new one would be the same. */
function sweep(lanes: Map<string, Lane>): void {
  for (const [agentId, lane] of lanes) if (lane.waiting.length === 0 && lane.bucket.full) lanes.delete(agentId);
}
