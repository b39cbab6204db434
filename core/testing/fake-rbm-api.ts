import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent, AgentMessage } from '../client/agent-message.js';
import { CONTENT_KINDS } from '../client/message-limits.js';
import { isE164 } from '../client/phone.js';
import { asRefusal, Refusal } from './refusal.js';

/** A request the fake answered, as it arrived. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** The status answered. */
  readonly status: number;
}

/** A message the agent sent, accepted by the fake. */
export interface FakeMessage {
  readonly agentId: string;
  readonly phone: string;
  readonly messageId: string;
  readonly message: AgentMessage;
}

/** A READ / IS_TYPING event the agent sent, accepted by the fake. */
export interface FakeEvent {
  readonly agentId: string;
  readonly phone: string;
  readonly eventId: string;
  readonly event: AgentEvent;
}

/** A file the agent handed over, accepted by the fake. */
export interface FakeUpload {
  readonly agentId: string;
  readonly name: string;
  /** By URL: the URL Google would fetch. */
  readonly fileUrl?: string;
  readonly thumbnailUrl?: string;
  /** As bytes: the media part's content type and bytes. */
  readonly contentType?: string;
  readonly data?: Buffer;
  readonly contentDescription?: string;
}

/** A tester invite accepted by the fake's Business Communications API. */
export interface FakeTester {
  readonly agentId: string;
  readonly phone: string;
  /** When it was asked for (ms since the epoch, by the fake's clock). */
  readonly at: number;
}

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

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
    // Where the body is the whole request, agentId is read from the body only (gRPC transcoding).
    if (method === 'POST' && path === '/v1/testers') return this.inviteTester(body);
    if (method === 'POST' && path === '/v1/users:batchGet') {
      const users = jsonBody(body, contentType).users;
      const agentId = bodyAgentId(body as { agentId?: unknown });
      if (!Array.isArray(users) || users.length === 0) throw new Refusal(400, 'INVALID_ARGUMENT', 'users must be a non-empty list of E.164 numbers.');
      this.chargeBatchGet(agentId);
      const reachable = users.filter((u): u is string => typeof u === 'string' && isE164(u) && !this.unreachable.has(u));
      return { reachableUsers: reachable, totalRandomSampleUserCount: users.length, reachableRandomSampleUserCount: reachable.length };
    }
    if (method === 'POST' && path === '/v1/files') {
      const request = jsonBody(body, contentType) as { agentId?: unknown; fileUrl?: unknown; thumbnailUrl?: unknown; contentDescription?: unknown };
      const agentId = bodyAgentId(request);
      if (typeof request.fileUrl !== 'string' || request.fileUrl === '') throw new Refusal(400, 'INVALID_ARGUMENT', 'fileUrl is required.');
      return this.upload({
        agentId,
        fileUrl: request.fileUrl,
        ...(typeof request.thumbnailUrl === 'string' ? { thumbnailUrl: request.thumbnailUrl } : {}),
        ...(typeof request.contentDescription === 'string' ? { contentDescription: request.contentDescription } : {}),
      });
    }
    if (method === 'POST' && path === '/upload/v1/files') return this.uploadBytes(query, body, contentType);
    if (method === 'POST' && /^\/v1\/phones\/[^/]+\/testers$/.test(path)) {
      throw new Refusal(404, 'NOT_FOUND', 'phones.testers.create was removed on 2026-01-31: invite testers with POST https://businesscommunications.googleapis.com/v1/testers.');
    }
    if (!path.startsWith('/v1/phones/')) throw new Refusal(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
    // phones/… methods: agentId is a query parameter.
    const agentId = query.agentId;
    if (agentId === undefined || agentId === '') throw new Refusal(403, 'PERMISSION_DENIED', 'The caller does not have permission (no agentId query parameter).');
    let match: RegExpExecArray | null;
    if (method === 'POST' && (match = /^\/v1\/phones\/([^/]+)\/agentMessages$/.exec(path))) {
      const phone = this.reachable(match[1]!);
      const messageId = this.freshId(query.messageId, 'messageId');
      const message = body as AgentMessage;
      const content = (message as { contentMessage?: Record<string, unknown> } | undefined)?.contentMessage;
      if (typeof content !== 'object' || content === null || CONTENT_KINDS.filter((k) => content[k] !== undefined).length !== 1) {
        throw new Refusal(400, 'INVALID_ARGUMENT', 'contentMessage must hold exactly one of text, richCard, contentInfo, uploadedRbmFile.');
      }
      if (messageId !== undefined) this.accept({ agentId, phone, messageId, message });
      return { name: `phones/${phone}/agentMessages/${query.messageId}`, sendTime: new Date().toISOString(), contentMessage: content };
    }
    if (method === 'POST' && (match = /^\/v1\/phones\/([^/]+)\/agentEvents$/.exec(path))) {
      const phone = this.reachable(match[1]!);
      const eventId = this.freshId(query.eventId, 'eventId');
      const event = body as AgentEvent;
      const valid =
        typeof event === 'object' && event !== null && (event.eventType === 'IS_TYPING' || (event.eventType === 'READ' && typeof event.messageId === 'string'));
      if (!valid) throw new Refusal(400, 'INVALID_ARGUMENT', 'eventType must be READ (with messageId) or IS_TYPING.');
      if (eventId !== undefined) this.accept({ agentId, phone, eventId, event });
      return { name: `phones/${phone}/agentEvents/${query.eventId}`, eventType: event.eventType };
    }
    if (method === 'DELETE' && (match = /^\/v1\/phones\/([^/]+)\/agentMessages\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(match[2]!);
      if (!this.messages.some((m) => m.messageId === id) || this.revoked.has(id)) throw new Refusal(404, 'NOT_FOUND', 'Requested entity was not found.');
      this.revoked.add(id);
      return {};
    }
    if (method === 'GET' && (match = /^\/v1\/phones\/([^/]+)\/capabilities$/.exec(path))) {
      this.reachable(match[1]!);
      if (!UUID.test(query.requestId ?? '')) throw new Refusal(400, 'INVALID_ARGUMENT', 'requestId must be a UUID.');
      return { features: ['RICHCARD_STANDALONE', 'RICHCARD_CAROUSEL', 'ACTION_DIAL', 'ACTION_OPEN_URL', 'ACTION_SHARE_LOCATION'] };
    }
    throw new Refusal(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
  }

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

  /** `/upload/v1/files?uploadType=multipart`: a multipart/related body, metadata `{agentId, contentDescription?}` then the bytes. */
  private uploadBytes(query: Record<string, string>, body: unknown, contentType: string): unknown {
    if (query.uploadType !== 'multipart') {
      throw new Refusal(400, 'INVALID_ARGUMENT', `uploadType must be multipart (metadata with agentId, then the file), got ${JSON.stringify(query.uploadType ?? '')}.`);
    }
    if (!/^multipart\/related\s*;/i.test(contentType) || !Buffer.isBuffer(body)) {
      throw new Refusal(400, 'INVALID_ARGUMENT', `Content-Type must be multipart/related with a boundary, got ${JSON.stringify(contentType)}.`);
    }
    const parts = parseMultipartRelated(contentType, body);
    if (parts === undefined || parts.length !== 2) throw new Refusal(400, 'INVALID_ARGUMENT', 'The multipart body must hold two parts: the JSON metadata, then the file.');
    const [metadataPart, media] = parts as [MultipartPart, MultipartPart];
    if (!(metadataPart.headers['content-type'] ?? '').includes('json')) throw new Refusal(400, 'INVALID_ARGUMENT', 'The first part must be the JSON metadata {"agentId"}.');
    let metadata: { agentId?: unknown; contentDescription?: unknown };
    try {
      metadata = JSON.parse(metadataPart.data.toString('utf8')) as typeof metadata;
    } catch {
      throw new Refusal(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received in the metadata part.');
    }
    const agentId = bodyAgentId(metadata);
    const mediaType = media.headers['content-type'];
    if (mediaType === undefined || !mediaType.includes('/')) throw new Refusal(400, 'INVALID_ARGUMENT', 'The file part must say its Content-Type.');
    if (media.data.length === 0) throw new Refusal(400, 'INVALID_ARGUMENT', 'The file part is empty.');
    return this.upload({
      agentId,
      contentType: mediaType,
      data: media.data,
      ...(typeof metadata.contentDescription === 'string' ? { contentDescription: metadata.contentDescription } : {}),
    });
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

/** A JSON body, or 400 as Google answers a body that is not JSON. */
function jsonBody(body: unknown, contentType: string): Record<string, unknown> {
  if (!contentType.includes('json') || typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new Refusal(400, 'INVALID_ARGUMENT', `The body must be a JSON object (Content-Type application/json), got ${JSON.stringify(contentType)}.`);
  }
  return body as Record<string, unknown>;
}

/** agentId of a method whose body is the whole request: a query agentId is not read, so it is missing (403). */
function bodyAgentId(body: { agentId?: unknown }): string {
  if (typeof body.agentId !== 'string' || body.agentId === '') {
    throw new Refusal(403, 'PERMISSION_DENIED', 'The caller does not have permission (no agentId in the request body; this method reads none from the query).');
  }
  return body.agentId;
}

interface MultipartPart {
  readonly headers: Readonly<Record<string, string>>;
  readonly data: Buffer;
}

/** The parts of a `multipart/related` body; undefined when it is not well formed. */
function parseMultipartRelated(contentType: string, raw: Buffer): MultipartPart[] | undefined {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (boundary === undefined) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  let index = raw.indexOf(delimiter);
  if (index === -1) return undefined;
  const parts: MultipartPart[] = [];
  for (;;) {
    let start = index + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') return parts;
    if (raw.subarray(start, start + 2).toString() === '\r\n') start += 2;
    const next = raw.indexOf(delimiter, start);
    if (next === -1) return undefined;
    const end = raw.subarray(next - 2, next).toString() === '\r\n' ? next - 2 : next;
    const part = raw.subarray(start, end);
    const headerEnd = part.subarray(0, 2).toString() === '\r\n' ? 0 : part.indexOf('\r\n\r\n');
    if (headerEnd === -1) return undefined;
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    parts.push({ headers, data: part.subarray(headerEnd === 0 ? 2 : headerEnd + 4) });
    index = next;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
