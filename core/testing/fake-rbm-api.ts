import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AgentEvent, AgentMessage } from '../client/agent-message.js';
import { CONTENT_KINDS } from '../client/message-limits.js';
import { isE164 } from '../client/phone.js';

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

export interface FakeRbmApiOptions {
  /** Require `Authorization: Bearer <token>`; omitted, any or none is accepted. */
  readonly token?: string;
  /** Fail this share of calls at random (0..1) with 500/503/429, for soak tests. */
  readonly failureRate?: number;
  /** Keep requests, messages and events (default). Off, only `accepted` counts: for benchmarks. */
  readonly record?: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

class Refusal {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly message: string,
  ) {}
}

/**
 * A fake of the RBM REST API on loopback that checks each request as Google would (path,
 * agentId, UUID ids, body shape, bearer token), records what the agent sent, ignores a
 * reused id as Google does, and can fail on demand.
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
  private uploads = 0;

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
      answer = this.route(req.method ?? 'GET', url.pathname, query, body);
    } catch (error) {
      if (!(error instanceof Refusal)) throw error;
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

  private route(method: string, path: string, query: Record<string, string>, body: unknown): unknown {
    const agentId = query.agentId;
    if (agentId === undefined || agentId === '') throw new Refusal(403, 'PERMISSION_DENIED', 'The caller does not have permission (no agentId).');
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
    if (method === 'POST' && path === '/v1/users:batchGet') {
      const users = (body as { users?: unknown } | undefined)?.users;
      if (!Array.isArray(users)) throw new Refusal(400, 'INVALID_ARGUMENT', 'users must be a list of E.164 numbers.');
      const reachable = users.filter((u): u is string => typeof u === 'string' && isE164(u) && !this.unreachable.has(u));
      return { reachableUsers: reachable, totalRandomSampleUserCount: users.length, reachableRandomSampleUserCount: reachable.length };
    }
    if (method === 'POST' && (path === '/upload/v1/files' || path === '/v1/files')) {
      const ok = path === '/v1/files' ? typeof (body as { fileUrl?: unknown } | undefined)?.fileUrl === 'string' : Buffer.isBuffer(body) && body.length > 0;
      if (!ok) throw new Refusal(400, 'INVALID_ARGUMENT', path === '/v1/files' ? 'fileUrl is required.' : 'a file body is required.');
      this.uploads += 1;
      return { name: `files/fake-${this.uploads}` };
    }
    throw new Refusal(404, 'NOT_FOUND', `No route for ${method} ${path}.`);
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

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
