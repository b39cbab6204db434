import { Agent as UndiciAgent, type Dispatcher as UndiciDispatcher } from 'undici';
import { CallAbort } from './call-abort.js';
import { SharedDeadlines } from '../dispatch/deadline.js';
import { isThenable } from '../dispatch/run-handlers.js';
import { formQuery } from './form-query.js';
import { maskPhonesIn } from './phone.js';
import type { AccessTokenProvider } from './rbm-auth.js';
import { errorForStatus, RbmApiError, RbmNetworkError } from './rbm-api-errors.js';
import type { CallRecord } from './rbm-client.js';
import type { CallRateLimiter, RateLimitedCall, SignalSource } from './call-rate-limiter.js';

/** How a Google REST API is called: time limit, retries, back-off, connections. Shared by the RBM and BM clients. */
export interface ApiCallerOptions {
  readonly baseUrl: string;
  readonly auth: AccessTokenProvider;
  /** Time limit of each HTTP attempt, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Attempts per call for 429, 5xx and network failures. Default 5. */
  readonly maxAttempts?: number;
  /** Back-off: first delay and cap, in ms (exponential, full jitter). Default 200 and 10,000. */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** A Retry-After longer than this is not waited for: the call fails, retryable. Default 30,000 ms. */
  readonly maxRetryAfterMs?: number;
  /** The undici dispatcher calls go through. Default: one keep-alive Agent per caller. */
  readonly dispatcher?: UndiciDispatcher;
  /** Names the API in errors, e.g. `RBM API`. */
  readonly apiName: string;
  /** Masks a path for metrics and error messages (user addresses out). */
  readonly maskPath: (path: string) => string;
  /**
   * Masks the user addresses in an error's text (Google's message, a network error), given the
   * call's path. Default: phone numbers masked.
   */
  readonly maskText?: (text: string, path: string) => string;
  /** Paces calls that name a `pace` kind, per agent: each attempt waits its turn. Default: none. */
  readonly limiter?: CallRateLimiter;
}

/** One call: method, path, query and body. The URL, and so every id in it, is the same on every attempt. */
export interface ApiCall {
  readonly method: 'GET' | 'POST' | 'DELETE' | 'PATCH';
  /** Another API than the caller's own (Business Communications): its base URL and tokens. */
  readonly api?: { readonly baseUrl: string; readonly auth: AccessTokenProvider };
  readonly path: string;
  readonly query: Record<string, string>;
  readonly json?: unknown;
  /** A body that is not JSON, with its content type. */
  readonly bytes?: { data: Uint8Array; contentType: string };
  /** A 404 that is an answer, not an error (revoke). */
  readonly notFoundIsAnswer?: boolean;
  /** False: the caller reads nothing of a successful answer, so its body is not parsed (sends). */
  readonly readsAnswer?: boolean;
  /** Paced per agent by the caller's limiter: which kind of call (flat fields: no object per call for pacing). */
  readonly pace?: RateLimitedCall;
  /** Whose turn it takes, when paced. */
  readonly agentId?: string;
  /** Where a waiting call's abort signal is read from (the request): read only if it waits. */
  readonly signalFrom?: SignalSource;
}

/** A base URL split as undici's dispatcher takes it: origin, and the path prefix (no trailing slash). */
function splitBase(baseUrl: string): { readonly origin: string; readonly prefix: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After as ms: delta-seconds or an HTTP date. */
function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Calls a Google REST API over undici's `request` on keep-alive connections: bearer token per
 * attempt, a time limit per attempt, retries of 429/5xx/network failures with exponential
 * back-off and full jitter (honouring Retry-After), typed errors, and an observer per attempt.
 * `HttpRbmClient` and `BmClient` both call through one.
 *
 * @example
 * const caller = new ApiCaller({ baseUrl: 'http://127.0.0.1:9000', auth: noAuth(), apiName: 'RBM API', maskPath: (p) => p });
 * const { status, body } = await caller.call({ method: 'GET', path: '/v1/x', query: {} });
 */
export class ApiCaller {
  private readonly dispatcher: UndiciDispatcher;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly observers = new Set<(call: CallRecord) => void>();
  /** This caller's time limits, on one timer (precision 10 ms) that runs only while calls are out. */
  private readonly callLimits = new SharedDeadlines(10);
  /** `baseUrl` split once: calls skip parsing a URL each. */
  private readonly base: { readonly origin: string; readonly prefix: string };

  constructor(private readonly options: ApiCallerOptions) {
    this.base = splitBase(options.baseUrl);
    this.dispatcher = options.dispatcher ?? new UndiciAgent({ keepAliveTimeout: 30_000, connections: 128 });
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.baseMs = options.backoff?.baseMs ?? 200;
    this.maxMs = options.backoff?.maxMs ?? 10_000;
    this.maxRetryAfterMs = options.maxRetryAfterMs ?? 30_000;
  }

  /**
   * Calls `observer` after every HTTP attempt; returns a function that stops it.
   *
   * @example
   * const stop = caller.observe((call) => console.log(call.status));
   */
  observe(observer: (call: CallRecord) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /**
   * One API call with retries; resolves with a 2xx answer (or a 404 under `notFoundIsAnswer`),
   * else rejects with a typed RbmApiError.
   *
   * @example
   * await caller.call({ method: 'POST', path: '/v1/conversations/C1/messages', query: {}, json: body });
   */
  async call(call: ApiCall): Promise<{ status: number; body: unknown }> {
    const { apiName } = this.options;
    const query = formQuery(call.query);
    // The dispatcher takes origin and path: no URL is parsed per call (undici's `request(url)` would).
    const base = call.api === undefined ? this.base : splitBase(call.api.baseUrl);
    const path = `${base.prefix}${call.path}${query === '' ? '' : `?${query}`}`;
    const auth = call.api?.auth ?? this.options.auth;
    const payload = call.bytes !== undefined ? call.bytes.data : call.json === undefined ? undefined : JSON.stringify(call.json);
    let lastError: RbmApiError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      // Each attempt is a request Google counts: each takes a turn. Under the rate, no await.
      if (call.pace !== undefined && call.agentId !== undefined && this.options.limiter !== undefined) {
        const turn = this.options.limiter.take(call.pace, call.agentId, call.signalFrom);
        if (turn !== undefined) await turn;
      }
      const headers: Record<string, string> = {};
      const given = auth.getAccessToken();
      const token = isThenable(given) ? await given : given;
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (payload !== undefined) headers['content-type'] = call.bytes?.contentType ?? 'application/json; charset=utf-8';
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      const started = performance.now();
      // undici's own timeouts tick about once a second: the limit is kept here instead, with
      // a signal lighter than an AbortController.
      const abort = new CallAbort();
      this.callLimits.schedule(this.timeoutMs, abort);
      try {
        const response = await this.dispatcher.request({ origin: base.origin, path, method: call.method, headers, body: payload ?? null, signal: abort });
        status = response.statusCode;
        text = await response.body.text();
        this.callLimits.cancel(abort);
        const header = response.headers['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
        this.report(call, status, started, attempt);
      } catch (error) {
        this.callLimits.cancel(abort);
        this.report(call, 0, started, attempt);
        const timedOut = abort.aborted;
        lastError = new RbmNetworkError(
          this.mask(timedOut ? `${apiName} did not answer ${call.method} ${this.options.maskPath(call.path)} within ${this.timeoutMs} ms` : `${apiName} unreachable: ${(error as Error).message}`, call.path),
          0,
          timedOut ? 'TIMEOUT' : 'NETWORK',
        );
        if (attempt < this.maxAttempts) await sleep(this.backoffMs(attempt));
        continue;
      }
      const success = (status >= 200 && status < 300) || (call.notFoundIsAnswer === true && status === 404);
      if (success && call.readsAnswer === false) return { status, body: undefined };
      const body = text === '' ? undefined : safeJson(text);
      if (success) return { status, body };
      const googleError = (body as { error?: { status?: string; message?: string } } | undefined)?.error;
      lastError = errorForStatus(status, googleError?.status, this.mask(googleError?.message ?? (text.slice(0, 200) || `HTTP ${status}`), call.path), apiName);
      const retryable = status === 429 || status >= 500;
      if (!retryable || attempt === this.maxAttempts) throw lastError;
      const wait = retryAfterMs(retryAfter);
      if (wait !== undefined && wait > this.maxRetryAfterMs) throw lastError;
      await sleep(wait ?? this.backoffMs(attempt));
    }
    throw lastError ?? new RbmNetworkError(`${apiName} call failed`, 0);
  }

  private mask(text: string, path: string): string {
    return this.options.maskText === undefined ? maskPhonesIn(text) : this.options.maskText(text, path);
  }

  private report(call: ApiCall, status: number, started: number, attempt: number): void {
    if (this.observers.size === 0) return;
    const record: CallRecord = { method: call.method, path: this.options.maskPath(call.path), status, durationMs: performance.now() - started, attempt };
    for (const observer of this.observers) observer(record);
  }

  /** Exponential back-off with full jitter. */
  private backoffMs(attempt: number): number {
    return Math.random() * Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
  }
}
