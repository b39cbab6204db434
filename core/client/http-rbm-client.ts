import { randomUUID } from 'node:crypto';
import { SharedDeadlines } from '../dispatch/deadline.js';
import { Agent as UndiciAgent, type Dispatcher as UndiciDispatcher } from 'undici';
import { CallAbort } from './call-abort.js';
import type { AgentMessage, MessageTrafficType } from './agent-message.js';
import { checkMessage } from './message-limits.js';
import { isE164, maskPhone, maskPhonesIn } from './phone.js';
import { multipartRelated } from './multipart-related.js';
import { BUSINESS_COMMUNICATIONS_SCOPE, googleAuth, type AccessTokenProvider } from './rbm-auth.js';
import { errorForStatus, InvalidRequestError, RbmApiError, RbmNetworkError } from './rbm-api-errors.js';
import type { BatchCapabilities, CallRecord, RbmClient, SendEventRequest, SendMessageRequest, TesterInvite, UploadRequest } from './rbm-client.js';

/** Google's global endpoint. */
export const RBM_API_URL = 'https://rcsbusinessmessaging.googleapis.com';

/** Google's Business Communications API (tester invites). */
export const BUSINESS_COMMUNICATIONS_URL = 'https://businesscommunications.googleapis.com';

export interface HttpRbmClientOptions {
  /** Any base URL, e.g. a local fake on loopback. Default: the global endpoint, or the region's. */
  readonly baseUrl?: string;
  /** A regional endpoint: `us`, `europe` or `asia`. */
  readonly region?: 'us' | 'europe' | 'asia';
  /** Bearer tokens. Default: Application Default Credentials via google-auth-library. */
  readonly auth?: AccessTokenProvider;
  /** The Business Communications API's base URL, for tester invites (a local fake, say). Default Google's. */
  readonly businessCommunicationsUrl?: string;
  /**
   * Bearer tokens for the Business Communications API. Default: `auth` when given, else
   * Application Default Credentials with the businesscommunications scope.
   */
  readonly businessCommunicationsAuth?: AccessTokenProvider;
  /** Time limit of each HTTP attempt, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Attempts per call for 429, 5xx and network failures. Default 5. */
  readonly maxAttempts?: number;
  /** Back-off: first delay and cap, in ms (exponential, full jitter). Default 200 and 10,000. */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  /** A Retry-After longer than this is not waited for: the call fails, retryable. Default 30,000 ms. */
  readonly maxRetryAfterMs?: number;
  /**
   * messageTrafficType for messages that do not set one: one value for all agents, or per agent
   * (with `default` for the rest). Google will require it; multi-use agents already fail without.
   */
  readonly trafficType?: MessageTrafficType | { readonly [agentId: string]: MessageTrafficType | undefined; readonly default?: MessageTrafficType };
  /**
   * The undici dispatcher calls go through. Default: one keep-alive Agent per client, so
   * messages reuse connections instead of opening one each.
   */
  readonly dispatcher?: UndiciDispatcher;
}

/** Google answers a call without agentId 403: refused before sending instead. */
function checkAgentId(agentId: string): string {
  if (typeof agentId !== 'string' || agentId === '') {
    throw new InvalidRequestError(`agentId: expected the agent's id like shop@rbm.goog, got ${JSON.stringify(agentId)}`, 0, 'INVALID_AGENT_ID');
  }
  return agentId;
}

function checkPhone(phone: string): string {
  if (!isE164(phone)) {
    throw new InvalidRequestError(`phone: expected an E.164 number like +12223334444, got ${JSON.stringify(maskPhone(phone.slice(0, 20)))}`, 0, 'INVALID_PHONE');
  }
  return phone;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retry-After as ms: delta-seconds or an HTTP date. */
function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface Call {
  readonly method: 'GET' | 'POST' | 'DELETE';
  /** Another API than RBM's (Business Communications): its base URL and tokens. */
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
}

/** A base URL split as undici's dispatcher takes it: origin, and the path prefix (no trailing slash). */
function splitBase(baseUrl: string): { readonly origin: string; readonly prefix: string } {
  const url = new URL(baseUrl);
  return { origin: url.origin, prefix: url.pathname.replace(/\/+$/, '') };
}

/**
 * The RBM REST API over HTTP: Google's endpoint by default, or any base URL. Calls go through
 * undici's `request` (the library under Node's fetch, without the WHATWG layers: 3-6x the
 * throughput of fetch on loopback, measured) on keep-alive connections. Checks limits
 * before sending, retries 429/5xx/network failures with exponential back-off and jitter
 * (honouring Retry-After), reuses a send's id across its retries so Google drops the copy,
 * and types each error by meaning.
 *
 * @example
 * const client = new HttpRbmClient({ trafficType: 'TRANSACTION' });
 * await client.sendMessage({ agentId: 'shop@rbm.goog', phone: '+12223334444', message: messages.text('Hi') });
 */
export class HttpRbmClient implements RbmClient {
  readonly baseUrl: string;
  /** Where tester invites go: the Business Communications API. */
  readonly businessCommunicationsUrl: string;
  private readonly auth: AccessTokenProvider;
  private businessCommunicationsAuth: AccessTokenProvider | undefined;
  private readonly dispatcher: UndiciDispatcher;
  /** `baseUrl` split once: calls skip parsing a URL each. */
  private readonly base: { readonly origin: string; readonly prefix: string };
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly observers = new Set<(call: CallRecord) => void>();
  /** This client's call time limits, on one timer (precision 10 ms) that runs only while calls are out. */
  private readonly callLimits = new SharedDeadlines(10);

  constructor(private readonly options: HttpRbmClientOptions = {}) {
    const base = options.baseUrl ?? (options.region === undefined ? RBM_API_URL : `https://${options.region}-rcsbusinessmessaging.googleapis.com`);
    this.baseUrl = base.replace(/\/+$/, '');
    this.base = splitBase(this.baseUrl);
    this.auth = options.auth ?? googleAuth();
    this.businessCommunicationsUrl = (options.businessCommunicationsUrl ?? BUSINESS_COMMUNICATIONS_URL).replace(/\/+$/, '');
    this.businessCommunicationsAuth = options.businessCommunicationsAuth ?? options.auth;
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
   * client.observe((call) => metrics.countOutbound(call.method, call.status));
   */
  observe(observer: (call: CallRecord) => void): () => void {
    this.observers.add(observer);
    return () => this.observers.delete(observer);
  }

  /**
   * Sends an AgentMessage: `POST /v1/phones/{E.164}/agentMessages?messageId=&agentId=`.
   *
   * @example
   * const { messageId } = await client.sendMessage({ agentId: 'shop@rbm.goog', phone: '+12223334444', message: messages.text('Hi') });
   */
  async sendMessage({ agentId, phone, message, messageId }: SendMessageRequest): Promise<{ messageId: string }> {
    const body = this.withTrafficType(agentId, message);
    checkMessage(body);
    const id = messageId ?? randomUUID();
    await this.call({ method: 'POST', path: `/v1/phones/${checkPhone(phone)}/agentMessages`, query: { messageId: id, agentId: checkAgentId(agentId) }, json: body, readsAnswer: false });
    return { messageId: id };
  }

  /**
   * Sends READ or IS_TYPING: `POST /v1/phones/{E.164}/agentEvents?eventId=&agentId=`.
   *
   * @example
   * await client.sendEvent({ agentId: 'shop@rbm.goog', phone: '+12223334444', event: { eventType: 'IS_TYPING' } });
   */
  async sendEvent({ agentId, phone, event, eventId }: SendEventRequest): Promise<{ eventId: string }> {
    const id = eventId ?? randomUUID();
    await this.call({ method: 'POST', path: `/v1/phones/${checkPhone(phone)}/agentEvents`, query: { eventId: id, agentId: checkAgentId(agentId) }, json: event, readsAnswer: false });
    return { eventId: id };
  }

  /**
   * Revokes an undelivered message: `DELETE /v1/phones/{E.164}/agentMessages/{id}?agentId=`;
   * false when it was already delivered (Google's 404).
   *
   * @example
   * const revoked = await client.revokeMessage({ agentId: 'shop@rbm.goog', phone: '+12223334444', messageId });
   */
  async revokeMessage({ agentId, phone, messageId }: { agentId: string; phone: string; messageId: string }): Promise<boolean> {
    const status = await this.call({
      method: 'DELETE',
      path: `/v1/phones/${checkPhone(phone)}/agentMessages/${encodeURIComponent(messageId)}`,
      query: { agentId: checkAgentId(agentId) },
      notFoundIsAnswer: true,
    });
    return status.status !== 404;
  }

  /**
   * The user's RBM features: `GET /v1/phones/{E.164}/capabilities?requestId=&agentId=`.
   *
   * @example
   * const features = await client.getCapabilities({ agentId: 'shop@rbm.goog', phone: '+12223334444' });
   */
  async getCapabilities({ agentId, phone }: { agentId: string; phone: string }): Promise<readonly string[]> {
    const { body } = await this.call({ method: 'GET', path: `/v1/phones/${checkPhone(phone)}/capabilities`, query: { requestId: randomUUID(), agentId: checkAgentId(agentId) } });
    return ((body as { features?: string[] } | undefined)?.features ?? []) as readonly string[];
  }

  /**
   * Which users can get RCS: `POST /v1/users:batchGet` with `{"users", "agentId"}` in the body
   * (Google reads no agentId from the query here). Google serves it on regional endpoints only,
   * for numbers of that region: on the global endpoint it is refused before sending.
   *
   * @example
   * const client = new HttpRbmClient({ region: 'us' });
   * const { reachableUsers } = await client.batchGetCapabilities({ agentId: 'shop@rbm.goog', phones: ['+12223334444'] });
   */
  async batchGetCapabilities({ agentId, phones }: { agentId: string; phones: readonly string[] }): Promise<BatchCapabilities> {
    if (this.baseUrl === RBM_API_URL) {
      throw new InvalidRequestError(
        'users:batchGet: expected a regional endpoint (region: us, europe or asia; RBM_REGION), got the global one; Google serves bulk capabilities per region, for numbers of that region',
        0,
        'REGION_REQUIRED',
      );
    }
    const users = phones.map(checkPhone);
    const { body } = await this.call({ method: 'POST', path: '/v1/users:batchGet', query: {}, json: { users, agentId: checkAgentId(agentId) } });
    const answer = (body ?? {}) as Partial<BatchCapabilities>;
    return { ...answer, reachableUsers: answer.reachableUsers ?? [] };
  }

  /**
   * Hands a file to Google. By URL: `POST /v1/files` with `{"fileUrl", "thumbnailUrl"?,
   * "contentDescription"?, "agentId"}`; as bytes: `POST /upload/v1/files?uploadType=multipart`,
   * a `multipart/related` body of the metadata `{"agentId", "contentDescription"?}` then the bytes.
   *
   * @example
   * const { name } = await client.uploadFile({ agentId: 'shop@rbm.goog', data: png, contentType: 'image/png' });
   * await client.sendMessage({ agentId: 'shop@rbm.goog', phone, message: messages.uploadedFile(name) });
   */
  async uploadFile(request: UploadRequest): Promise<{ name: string }> {
    const agentId = checkAgentId(request.agentId);
    const description = request.contentDescription === undefined ? {} : { contentDescription: request.contentDescription };
    let answer: { body: unknown };
    if ('data' in request) {
      if (request.contentType === '' || !request.contentType.includes('/')) {
        throw new InvalidRequestError(`upload: expected a content type like image/png, got ${JSON.stringify(request.contentType)}`, 0, 'INVALID_CONTENT_TYPE');
      }
      const { body, contentType } = multipartRelated({ agentId, ...description }, { data: request.data, contentType: request.contentType });
      answer = await this.call({ method: 'POST', path: '/upload/v1/files', query: { uploadType: 'multipart' }, bytes: { data: body, contentType } });
    } else {
      const thumbnail = request.thumbnailUrl === undefined ? {} : { thumbnailUrl: request.thumbnailUrl };
      answer = await this.call({ method: 'POST', path: '/v1/files', query: {}, json: { fileUrl: request.fileUrl, ...thumbnail, ...description, agentId } });
    }
    const name = (answer.body as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') throw new RbmApiError('upload: expected the answer to name the file ({"name": "files/…"})', 200);
    return { name };
  }

  /**
   * Invites a user to test the agent through the Business Communications API:
   * `POST {businessCommunicationsUrl}/v1/testers` with `{"agentId", "phoneNumber"}`, with the
   * businesscommunications scope. Google allows 20 invites a day and 200 in all (then 429).
   *
   * @example
   * const invite = await client.inviteTester({ agentId: 'shop@rbm.goog', phone: '+12223334444' });
   * invite.inviteStatus; // 'PENDING' until the user accepts
   */
  async inviteTester({ agentId, phone }: { agentId: string; phone: string }): Promise<TesterInvite> {
    const json = { agentId: checkAgentId(agentId), phoneNumber: checkPhone(phone) };
    this.businessCommunicationsAuth ??= googleAuth({ scopes: [BUSINESS_COMMUNICATIONS_SCOPE] });
    const { body } = await this.call({
      method: 'POST',
      path: '/v1/testers',
      query: {},
      json,
      api: { baseUrl: this.businessCommunicationsUrl, auth: this.businessCommunicationsAuth },
    });
    const status = (body as { inviteStatus?: unknown } | undefined)?.inviteStatus;
    return { agentId, phone, ...(typeof status === 'string' ? { inviteStatus: status } : {}) };
  }

  private withTrafficType(agentId: string, message: AgentMessage): AgentMessage {
    if (message.messageTrafficType !== undefined || this.options.trafficType === undefined) return message;
    const configured = this.options.trafficType;
    // Own keys only: an agentId such as "constructor" must not find Object.prototype's.
    const type = typeof configured === 'string' ? configured : ((Object.hasOwn(configured, agentId) ? configured[agentId] : undefined) ?? configured.default);
    return type === undefined ? message : { ...message, messageTrafficType: type };
  }

  /** One API call with retries. The URL, and so every id in it, is the same on every attempt. */
  private async call(call: Call): Promise<{ status: number; body: unknown }> {
    const query = new URLSearchParams(call.query).toString();
    // The dispatcher takes origin and path: no URL is parsed per call (undici's `request(url)` would).
    const base = call.api === undefined ? this.base : splitBase(call.api.baseUrl);
    const path = `${base.prefix}${call.path}${query === '' ? '' : `?${query}`}`;
    const auth = call.api?.auth ?? this.auth;
    const payload = call.bytes !== undefined ? call.bytes.data : call.json === undefined ? undefined : JSON.stringify(call.json);
    let lastError: RbmApiError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt += 1) {
      const headers: Record<string, string> = {};
      const token = await auth.getAccessToken();
      if (token !== undefined) headers.authorization = `Bearer ${token}`;
      if (payload !== undefined) headers['content-type'] = call.bytes?.contentType ?? 'application/json; charset=utf-8';
      let status: number;
      let text: string;
      let retryAfter: string | undefined;
      const started = performance.now();
      // undici's own timeouts tick about once a second: the limit is kept here instead, with
      // a signal lighter than an AbortController.
      const abort = new CallAbort();
      const cancel = this.callLimits.schedule(this.timeoutMs, () => abort.abort());
      try {
        const response = await this.dispatcher.request({ origin: base.origin, path, method: call.method, headers, body: payload ?? null, signal: abort });
        status = response.statusCode;
        text = await response.body.text();
        cancel();
        const header = response.headers['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
        this.report(call, status, started, attempt);
      } catch (error) {
        cancel();
        this.report(call, 0, started, attempt);
        const timedOut = abort.aborted;
        lastError = new RbmNetworkError(
          maskPhonesIn(timedOut ? `RBM API did not answer ${call.method} ${call.path} within ${this.timeoutMs} ms` : `RBM API unreachable: ${(error as Error).message}`),
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
      lastError = errorForStatus(status, googleError?.status, maskPhonesIn(googleError?.message ?? (text.slice(0, 200) || `HTTP ${status}`)));
      const retryable = status === 429 || status >= 500;
      if (!retryable || attempt === this.maxAttempts) throw lastError;
      const wait = retryAfterMs(retryAfter);
      if (wait !== undefined && wait > this.maxRetryAfterMs) throw lastError;
      await sleep(wait ?? this.backoffMs(attempt));
    }
    throw lastError ?? new RbmNetworkError('RBM API call failed', 0);
  }

  private report(call: Call, status: number, started: number, attempt: number): void {
    if (this.observers.size === 0) return;
    const record: CallRecord = { method: call.method, path: call.path.replace(/\/phones\/[^/]+/, '/phones/*'), status, durationMs: performance.now() - started, attempt };
    for (const observer of this.observers) observer(record);
  }

  /** Exponential back-off with full jitter. */
  private backoffMs(attempt: number): number {
    return Math.random() * Math.min(this.maxMs, this.baseMs * 2 ** (attempt - 1));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
