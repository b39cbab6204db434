import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent, AgentMessage } from '../client/agent-message.js';
import { CONTENT_KINDS } from '../client/message-limits.js';
import { isE164 } from '../client/phone.js';
import { matchRbmCall } from '../client/rbm-call-path.js';
import { RBM_CALLS, type RbmCallName } from '../client/rbm-calls.js';
import type { FakeEvent, FakeMessage, FakeTester, FakeUpload, RecordedRequest } from './fake-rbm-records.js';
import { bodyAgentId, jsonBody, multipartUpload, readBody, UUID } from './rbm-request-checks.js';
import { asRefusal, Refusal } from './refusal.js';

export type { FakeEvent, FakeMessage, FakeTester, FakeUpload, RecordedRequest };

/** Google's tester invite limits, per agent. */
const TESTERS_PER_DAY = 20;
const TESTERS_IN_ALL = 200;

export interface FakeRbmApiOptions {
  /** Require `Authorization: Bearer <token>`; omitted, any or none is accepted. */
  readonly token?: string;
  /** Fail this share of calls at random (0..1) with 500/503/429, for soak tests. */
  readonly failureRate?: number;
  /** Keep requests, messages and events (default). Off, only `accepted` counts: for benchmarks. */
  readonly record?: boolean;
  /** The fake's clock in ms (tester invites are limited per UTC day). Default Date.now. */
  readonly now?: () => number;
  /**
   * Google's quota of `users:batchGet` per agent: past `calls` answered queries in any window
   * of `perMs`, it answers 429 RESOURCE_EXHAUSTED. Default 600 a minute, as Google documents;
   * a test can set a small one; `false` lifts it.
   */
  readonly batchGetQuota?: { readonly calls: number; readonly perMs: number } | false;
}

/** One request matched to a call of RBM_CALLS: its path's values (still escaped), query, body, and the query's agentId where the call reads it there. */
interface CallRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
  readonly contentType: string;
  /** The query's agentId, checked, for phones/… calls; empty for the others, which read theirs from the body. */
  readonly agentId: string;
}

/**
 * A fake of the RBM REST API on loopback that checks each request as Google would (path,
 * agentId and where it goes, UUID ids, body shape and content type, bearer token), records
 * what the agent sent, ignores a reused id as Google does, and can fail on demand. It serves
 * the Business Communications API's tester invites (`POST /v1/testers`) too, with Google's
 * limits (20 a day, 200 in all, then 429), and holds `users:batchGet` to Google's quota (600 a
 * minute per agent, then 429; `batchGetQuota` to change it). Refusals use Google's error JSON,
 * `{"error": {"code", "message", "status"}}`.
 *
 * @example
 * const api = await FakeRbmApi.start();
 * const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth() });
 * // … api.messages[0].message.contentMessage.text
 * await api.close();
 */
export class FakeRbmApi {
  readonly requests: RecordedRequest[] = [];
  readonly messages: FakeMessage[] = [];
  readonly events: FakeEvent[] = [];
  /** Files accepted, by URL or as bytes. */
  readonly uploads: FakeUpload[] = [];
  /** Tester invites accepted (`POST /v1/testers`, the Business Communications API's). */
  readonly testers: FakeTester[] = [];
  /** Phone numbers answered 404 (not reachable by RCS). */
  readonly unreachable = new Set<string>();
  /** Every TCP connection opened to the fake. */
  connections = 0;
  /** Messages and events accepted, recorded or not. */
  accepted = 0;
  private readonly seenIds = new Set<string>();
  private readonly revoked = new Set<string>();
  private readonly planned: Array<{ status: number; retryAfter?: string; delayMs?: number }> = [];
  private readonly listeners = new Set<(item: FakeMessage | FakeEvent) => void>();
  /** Per agent, when each answered `users:batchGet` came (the fake's clock), oldest first. */
  private readonly batchGets = new Map<string, number[]>();

  private constructor(
    private readonly server: Server | undefined,
    readonly url: string,
    private readonly options: FakeRbmApiOptions,
  ) {}

  /**
   * Starts the fake on 127.0.0.1 (port 0: a free one).
   *
   * @example
   * const api = await FakeRbmApi.start({ token: 'test-token' });
   */
  static async start(options: FakeRbmApiOptions & { port?: number } = {}): Promise<FakeRbmApi> {
    let fake: FakeRbmApi | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    server.on('connection', () => {
      if (fake !== undefined) fake.connections += 1;
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeRbmApi(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /**
   * The fake without a server of its own, served by yours at `url`: hand it each request
   * whose path {@link FakeRbmApi.serves}, with {@link FakeRbmApi.handle}.
   *
   * @example
   * const api = FakeRbmApi.mount('http://127.0.0.1:8080');
   * app.use((ctx, next) => (FakeRbmApi.serves(ctx.path) ? ((ctx.respond = false), api.handle(ctx.req, ctx.res)) : next()));
   */
  static mount(url: string, options: FakeRbmApiOptions = {}): FakeRbmApi {
    return new FakeRbmApi(undefined, url, options);
  }

  /**
   * True for a path of the RBM API (`/v1/…`, `/upload/v1/…`), which a mounted fake answers.
   *
   * @example
   * FakeRbmApi.serves('/v1/phones/+15555550100/agentMessages'); // true
   */
  static serves(path: string): boolean {
    return path.startsWith('/v1/') || path.startsWith('/upload/v1/');
  }

  /**
   * Answers the next `count` calls with `status` (and a Retry-After, or a delay), then normally again.
   *
   * @example
   * api.failNext(2, 503); // the client's retries get through on the third attempt
   */
  failNext(count: number, status: number, options: { retryAfter?: string; delayMs?: number } = {}): void {
    for (let i = 0; i < count; i += 1) this.planned.push({ status, ...options });
  }

  /** Calls `listener` for every message or event accepted from now on; returns a function that stops it. */
  onReceive(listener: (item: FakeMessage | FakeEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The texts of accepted messages, in order. */
  texts(): string[] {
    return this.messages.flatMap((m) => (m.message.contentMessage.text === undefined ? [] : [m.message.contentMessage.text]));
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Answers one request as the RBM API would (a mounted fake's server calls it).
   *
   * @example
   * createServer((req, res) => void api.handle(req, res));
   */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    const isJson = (req.headers['content-type'] ?? '').includes('json');
    let body: unknown = raw.length === 0 ? undefined : isJson ? undefined : raw;
    let status = 200;
    let answer: unknown = {};
    try {
      if (isJson && raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new Refusal(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
        }
      }
      const planned = this.planned.shift();
      if (planned?.delayMs !== undefined) await new Promise((r) => setTimeout(r, planned.delayMs));
      if (planned !== undefined && planned.status !== 200) {
        if (planned.retryAfter !== undefined) res.setHeader('retry-after', planned.retryAfter);
        throw new Refusal(planned.status, planned.status === 429 ? 'RESOURCE_EXHAUSTED' : 'UNAVAILABLE', 'planned failure');
      }
      const rate = this.options.failureRate ?? 0;
      if (rate > 0 && Math.random() < rate) {
        const failures = [500, 503, 429];
        const failure = failures[Math.floor(Math.random() * failures.length)]!;
        if (failure === 429) res.setHeader('retry-after', '0');
        throw new Refusal(failure, failure === 429 ? 'RESOURCE_EXHAUSTED' : 'INTERNAL', 'random failure');
      }
      this.checkAuth(req);
      answer = this.route(req.method ?? 'GET', url.pathname, query, body, req.headers['content-type'] ?? '');
    } catch (caught) {
      const error = asRefusal(caught);
      status = error.status;
      answer = { error: { code: error.status, message: error.message, status: error.reason } };
    }
    if (this.options.record !== false) this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, headers: req.headers, body, status });
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(answer));
  }

  private checkAuth(req: IncomingMessage): void {
    if (this.options.token === undefined) return;
    if (req.headers.authorization !== `Bearer ${this.options.token}`) {
      throw new Refusal(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
    }
  }

  private route(method: string, path: string, query: Record<string, string>, body: unknown, contentType: string): unknown {
    if (method === 'POST' && /^\/v1\/phones\/[^/]+\/testers$/.test(path)) {
      throw new Refusal(404, 'NOT_FOUND', 'phones.testers.create was removed on 2026-01-31: invite testers with POST https://businesscommunications.googleapis.com/v1/testers.');
    }
    const matched = matchRbmCall(method, path);
    if (matched === undefined) throw new Refusal(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
    // phones/… methods read agentId from the query; where the body is the whole request, it is
    // read from the body only (gRPC transcoding), by each call below.
    let agentId = '';
    if (RBM_CALLS[matched.call].agentIdIn === 'query') {
      agentId = query.agentId ?? '';
      if (agentId === '') throw new Refusal(403, 'PERMISSION_DENIED', 'The caller does not have permission (no agentId query parameter).');
    }
    return this.calls[matched.call]({ params: matched.params, query, body, contentType, agentId });
  }

  /** How the fake answers each call of RBM_CALLS: a call added there is missing here until it is answered. */
  private readonly calls: { readonly [Call in RbmCallName]: (request: CallRequest) => unknown } = {
    batchGetCapabilities: ({ body, contentType }) => {
      const users = jsonBody(body, contentType).users;
      const agentId = bodyAgentId(body as { agentId?: unknown });
      if (!Array.isArray(users) || users.length === 0) throw new Refusal(400, 'INVALID_ARGUMENT', 'users must be a non-empty list of E.164 numbers.');
      this.chargeBatchGet(agentId);
      const reachable = users.filter((u): u is string => typeof u === 'string' && isE164(u) && !this.unreachable.has(u));
      return { reachableUsers: reachable, totalRandomSampleUserCount: users.length, reachableRandomSampleUserCount: reachable.length };
    },
    sendMessage: ({ params, query, body, agentId }) => {
      const phone = this.reachable(params.phone!);
      const messageId = this.freshId(query.messageId, 'messageId');
      const message = body as AgentMessage;
      const content = (message as { contentMessage?: Record<string, unknown> } | undefined)?.contentMessage;
      if (typeof content !== 'object' || content === null || CONTENT_KINDS.filter((k) => content[k] !== undefined).length !== 1) {
        throw new Refusal(400, 'INVALID_ARGUMENT', 'contentMessage must hold exactly one of text, richCard, contentInfo, uploadedRbmFile.');
      }
      if (messageId !== undefined) this.accept({ agentId, phone, messageId, message });
      return { name: `phones/${phone}/agentMessages/${query.messageId}`, sendTime: new Date().toISOString(), contentMessage: content };
    },
    sendEvent: ({ params, query, body, agentId }) => {
      const phone = this.reachable(params.phone!);
      const eventId = this.freshId(query.eventId, 'eventId');
      const event = body as AgentEvent;
      const valid =
        typeof event === 'object' && event !== null && (event.eventType === 'IS_TYPING' || (event.eventType === 'READ' && typeof event.messageId === 'string'));
      if (!valid) throw new Refusal(400, 'INVALID_ARGUMENT', 'eventType must be READ (with messageId) or IS_TYPING.');
      if (eventId !== undefined) this.accept({ agentId, phone, eventId, event });
      return { name: `phones/${phone}/agentEvents/${query.eventId}`, eventType: event.eventType };
    },
    revokeMessage: ({ params }) => {
      const id = decodeURIComponent(params.messageId!);
      if (!this.messages.some((m) => m.messageId === id) || this.revoked.has(id)) throw new Refusal(404, 'NOT_FOUND', 'Requested entity was not found.');
      this.revoked.add(id);
      return {};
    },
    getCapabilities: ({ params, query }) => {
      this.reachable(params.phone!);
      if (!UUID.test(query.requestId ?? '')) throw new Refusal(400, 'INVALID_ARGUMENT', 'requestId must be a UUID.');
      return { features: ['RICHCARD_STANDALONE', 'RICHCARD_CAROUSEL', 'ACTION_DIAL', 'ACTION_OPEN_URL', 'ACTION_SHARE_LOCATION'] };
    },
    uploadFileByUrl: ({ body, contentType }) => {
      const request = jsonBody(body, contentType) as { agentId?: unknown; fileUrl?: unknown; thumbnailUrl?: unknown; contentDescription?: unknown };
      const agentId = bodyAgentId(request);
      if (typeof request.fileUrl !== 'string' || request.fileUrl === '') throw new Refusal(400, 'INVALID_ARGUMENT', 'fileUrl is required.');
      return this.upload({
        agentId,
        fileUrl: request.fileUrl,
        ...(typeof request.thumbnailUrl === 'string' ? { thumbnailUrl: request.thumbnailUrl } : {}),
        ...(typeof request.contentDescription === 'string' ? { contentDescription: request.contentDescription } : {}),
      });
    },
    uploadFileBytes: ({ query, body, contentType }) => this.upload(multipartUpload(query, body, contentType)),
    inviteTester: ({ body }) => this.inviteTester(body),
  };

  /** Counts one `users:batchGet` against the agent's quota, or refuses it 429 as Google does. */
  private chargeBatchGet(agentId: string): void {
    const quota = this.options.batchGetQuota ?? { calls: 600, perMs: 60_000 };
    if (quota === false) return;
    const now = (this.options.now ?? Date.now)();
    let times = this.batchGets.get(agentId);
    if (times === undefined) this.batchGets.set(agentId, (times = []));
    // The window is (now - perMs, now]: older answers no longer count.
    while (times.length > 0 && times[0]! <= now - quota.perMs) times.shift();
    if (times.length >= quota.calls) {
      throw new Refusal(
        429,
        'RESOURCE_EXHAUSTED',
        `Quota exceeded for quota metric 'users:batchGet requests' and limit '${quota.calls} per ${quota.perMs} ms per agent' for agent ${agentId}.`,
      );
    }
    times.push(now);
  }

  private upload(file: Omit<FakeUpload, 'name'>): { name: string } {
    const name = `files/fake-${this.uploads.length + 1}`;
    this.uploads.push({ ...file, name });
    return { name };
  }

  /** The Business Communications API's `POST /v1/testers`: `{agentId, phoneNumber}`, 20 a day and 200 in all per agent. */
  private inviteTester(body: unknown): unknown {
    const request = body as { agentId?: unknown; phoneNumber?: unknown } | undefined;
    if (typeof request !== 'object' || request === null || Buffer.isBuffer(request)) throw new Refusal(400, 'INVALID_ARGUMENT', 'The body must be a JSON Tester {"agentId", "phoneNumber"}.');
    const agentId = bodyAgentId(request);
    const phone = request.phoneNumber;
    if (typeof phone !== 'string' || !isE164(phone)) throw new Refusal(400, 'INVALID_ARGUMENT', 'phoneNumber must be in E.164 format.');
    const now = (this.options.now ?? Date.now)();
    const day = Math.floor(now / 86_400_000);
    const mine = this.testers.filter((t) => t.agentId === agentId);
    if (mine.length >= TESTERS_IN_ALL) throw new Refusal(429, 'RESOURCE_EXHAUSTED', `An agent can send at most ${TESTERS_IN_ALL} tester requests in all.`);
    if (mine.filter((t) => Math.floor(t.at / 86_400_000) === day).length >= TESTERS_PER_DAY) {
      throw new Refusal(429, 'RESOURCE_EXHAUSTED', `An agent can send at most ${TESTERS_PER_DAY} tester requests a day.`);
    }
    this.testers.push({ agentId, phone, at: now });
    return { agentId, phoneNumber: phone, inviteStatus: 'PENDING' };
  }

  private reachable(encodedPhone: string): string {
    const phone = decodeURIComponent(encodedPhone);
    if (!isE164(phone)) throw new Refusal(400, 'INVALID_ARGUMENT', 'The phone number must be in E.164 format.');
    if (this.unreachable.has(phone)) throw new Refusal(404, 'NOT_FOUND', 'Requested entity was not found.');
    return phone;
  }

  /** A UUID not seen before; undefined for a reused one, which Google silently ignores. */
  private freshId(id: string | undefined, name: string): string | undefined {
    if (id === undefined || !UUID.test(id)) throw new Refusal(400, 'INVALID_ARGUMENT', `${name} must be a UUID.`);
    if (this.seenIds.has(id)) return undefined;
    this.seenIds.add(id);
    return id;
  }

  private accept(item: FakeMessage | FakeEvent): void {
    this.accepted += 1;
    if (this.options.record !== false) {
      if ('message' in item) this.messages.push(item);
      else this.events.push(item);
    }
    for (const listener of this.listeners) listener(item);
  }
}
