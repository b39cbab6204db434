import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordedRequest } from './fake-rbm-api.js';
import { asRefusal, Refusal } from './refusal.js';

/** A message the agent sent, accepted by the fake Business Messages API. */
export interface FakeBmMessage {
  readonly conversationId: string;
  readonly messageId: string;
  /** The body as sent: `{messageId, representative, text | richCard | image, suggestions?}`. */
  readonly body: Readonly<Record<string, unknown>>;
}

/** A read receipt the agent sent (`PATCH …/messages/{messageId}/receipt`). */
export interface FakeBmReceipt {
  readonly conversationId: string;
  readonly messageId: string;
  readonly receiptType: string;
}

/** An event the agent sent (`POST …/events?eventId=`): typing, representative joined or left. */
export interface FakeBmEvent {
  readonly conversationId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly representative: Readonly<Record<string, unknown>>;
}

export interface FakeBmApiOptions {
  /** Require `Authorization: Bearer <token>` exactly. Omitted, any bearer token is accepted; none is always 401. */
  readonly token?: string;
  /** Conversations that exist: others are answered 404. Omitted, every conversation exists. */
  readonly conversations?: Iterable<string>;
  /** The port to listen on. Default 0 (a free one). */
  readonly port?: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MESSAGE_FIELDS = new Set(['name', 'messageId', 'representative', 'text', 'richCard', 'image', 'suggestions', 'fallback', 'containsRichText']);
const CONTENT_FIELDS = ['text', 'richCard', 'image'] as const;
const EVENT_TYPES = new Set(['TYPING_STARTED', 'TYPING_STOPPED', 'REPRESENTATIVE_JOINED', 'REPRESENTATIVE_LEFT']);
const REPRESENTATIVE_TYPES = new Set(['BOT', 'HUMAN']);
const BODY_LIMIT = 1024 * 1024;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function unknownFields(body: Record<string, unknown>, allowed: ReadonlySet<string>): void {
  const unknown = Object.keys(body).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw new Refusal(400, 'INVALID_ARGUMENT', `Invalid JSON payload received. Unknown name ${unknown.map((k) => JSON.stringify(k)).join(', ')}: Cannot find field.`);
  }
}

function checkRepresentative(value: unknown, field: string): Record<string, unknown> {
  if (!isObject(value)) throw new Refusal(400, 'INVALID_ARGUMENT', `${field} is required.`);
  if (typeof value.representativeType !== 'string' || !REPRESENTATIVE_TYPES.has(value.representativeType)) {
    throw new Refusal(400, 'INVALID_ARGUMENT', `${field}.representativeType must be BOT or HUMAN.`);
  }
  return value;
}

/**
 * A fake of the Business Messages API on loopback, the only peer left since
 * Google shut BM down. It checks each request as Google did: bearer token (401), method and
 * path (405, 404), a UUID `messageId` and a `representative` in each message, exactly one of
 * text, richCard or image, no unknown top-level field (400), a UUID `eventId` on events,
 * `{receiptType: "READ"}` on receipts, unknown conversations (404, when `conversations` is
 * given). It records what the agent sent; a reused messageId is accepted and not recorded
 * twice. Refusals use Google's error JSON, `{"error": {"code", "message", "status"}}`.
 *
 * @example
 * const api = await FakeBmApi.start();
 * const client = new BmClient({ baseUrl: api.url, auth: staticToken('test') });
 * // … api.messages[0].body.text
 * await api.close();
 */
export class FakeBmApi {
  readonly requests: RecordedRequest[] = [];
  readonly messages: FakeBmMessage[] = [];
  readonly receipts: FakeBmReceipt[] = [];
  readonly events: FakeBmEvent[] = [];
  private readonly seenIds = new Set<string>();
  private readonly known: ReadonlySet<string> | undefined;
  private readonly listeners = new Set<(item: FakeBmMessage | FakeBmReceipt | FakeBmEvent) => void>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: FakeBmApiOptions,
  ) {
    this.known = options.conversations === undefined ? undefined : new Set(options.conversations);
  }

  /**
   * Starts the fake on 127.0.0.1 (port 0: a free one).
   *
   * @example
   * const api = await FakeBmApi.start({ conversations: ['C1'] });
   */
  static async start(options: FakeBmApiOptions = {}): Promise<FakeBmApi> {
    let fake: FakeBmApi | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    fake = new FakeBmApi(server, `http://127.0.0.1:${port}`, options);
    return fake;
  }

  /** The texts of accepted messages, in order. */
  texts(): string[] {
    return this.messages.flatMap((m) => (typeof m.body.text === 'string' ? [m.body.text] : []));
  }

  /**
   * Calls `listener` for every message, receipt or event accepted from now on; returns a function that stops it.
   *
   * @example
   * api.onReceive((item) => console.log(item));
   */
  onReceive(listener: (item: FakeBmMessage | FakeBmReceipt | FakeBmEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const query = Object.fromEntries(url.searchParams);
    const method = req.method ?? 'GET';
    let body: unknown;
    let status = 200;
    let answer: unknown = {};
    try {
      const raw = await readBody(req);
      if (raw.length > 0) {
        if (!(req.headers['content-type'] ?? '').includes('json')) throw new Refusal(400, 'INVALID_ARGUMENT', 'Expected Content-Type application/json.');
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new Refusal(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.');
        }
      }
      this.checkAuth(req);
      answer = this.route(method, url.pathname, query, body);
    } catch (caught) {
      const error = asRefusal(caught);
      status = error.status;
      if (status === 405) res.setHeader('allow', error.reason === 'PATCH' ? 'PATCH' : 'POST');
      answer = { error: { code: status, message: error.message, status: status === 405 ? 'METHOD_NOT_ALLOWED' : error.reason } };
    }
    this.requests.push({ method, path: url.pathname, query, headers: req.headers, body, status });
    res.statusCode = status;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify(answer));
  }

  private checkAuth(req: IncomingMessage): void {
    const header = req.headers.authorization ?? '';
    const ok = this.options.token === undefined ? /^Bearer \S+$/.test(header) : header === `Bearer ${this.options.token}`;
    if (!ok) throw new Refusal(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials. Expected OAuth 2 access token.');
  }

  private route(method: string, path: string, query: Record<string, string>, body: unknown): unknown {
    const match = /^\/v1\/conversations\/([^/]+)\/(messages|events|messages\/([^/]+)\/receipt)$/.exec(path);
    if (match === null) throw new Refusal(404, 'NOT_FOUND', `No such method: ${path}`);
    const conversationId = decodeURIComponent(match[1]!);
    const isReceipt = match[3] !== undefined;
    const expected = isReceipt ? 'PATCH' : 'POST';
    if (method !== expected) throw new Refusal(405, expected, `Expected ${expected} for ${path}, got ${method}.`);
    if (this.known !== undefined && !this.known.has(conversationId)) {
      throw new Refusal(404, 'NOT_FOUND', `Conversation ${conversationId} not found.`);
    }
    if (!isObject(body)) throw new Refusal(400, 'INVALID_ARGUMENT', 'Expected a JSON object as the body.');
    if (isReceipt) return this.receipt(conversationId, decodeURIComponent(match[3]!), body);
    if (match[2] === 'events') return this.event(conversationId, query, body);
    return this.message(conversationId, body);
  }

  private message(conversationId: string, body: Record<string, unknown>): unknown {
    unknownFields(body, MESSAGE_FIELDS);
    const messageId = body.messageId;
    if (typeof messageId !== 'string' || !UUID.test(messageId)) throw new Refusal(400, 'INVALID_ARGUMENT', 'messageId is required and must be a UUID.');
    checkRepresentative(body.representative, 'representative');
    const contents = CONTENT_FIELDS.filter((field) => body[field] !== undefined);
    if (contents.length !== 1) {
      throw new Refusal(400, 'INVALID_ARGUMENT', `Exactly one of text, richCard or image is required; got ${contents.length === 0 ? 'none' : contents.join(' and ')}.`);
    }
    if (body.text !== undefined && (typeof body.text !== 'string' || body.text === '')) throw new Refusal(400, 'INVALID_ARGUMENT', 'text must be a non-empty string.');
    if (body.suggestions !== undefined && !Array.isArray(body.suggestions)) throw new Refusal(400, 'INVALID_ARGUMENT', 'suggestions must be a list.');
    const name = `conversations/${conversationId}/messages/${messageId}`;
    if (this.seenIds.has(name)) return { name, ...body };
    this.seenIds.add(name);
    const item: FakeBmMessage = { conversationId, messageId, body };
    this.messages.push(item);
    for (const listener of this.listeners) listener(item);
    return { name, ...body };
  }

  private receipt(conversationId: string, messageId: string, body: Record<string, unknown>): unknown {
    unknownFields(body, new Set(['receiptType', 'name']));
    if (body.receiptType !== 'READ') throw new Refusal(400, 'INVALID_ARGUMENT', 'receiptType must be READ.');
    const item: FakeBmReceipt = { conversationId, messageId, receiptType: 'READ' };
    this.receipts.push(item);
    for (const listener of this.listeners) listener(item);
    return { name: `conversations/${conversationId}/messages/${messageId}/receipt`, receiptType: 'READ' };
  }

  private event(conversationId: string, query: Record<string, string>, body: Record<string, unknown>): unknown {
    const eventId = query.eventId;
    if (eventId === undefined || !UUID.test(eventId)) throw new Refusal(400, 'INVALID_ARGUMENT', 'eventId is required (query) and must be a UUID.');
    unknownFields(body, new Set(['eventType', 'representative', 'name']));
    if (typeof body.eventType !== 'string' || !EVENT_TYPES.has(body.eventType)) {
      throw new Refusal(400, 'INVALID_ARGUMENT', `eventType must be one of ${[...EVENT_TYPES].join(', ')}.`);
    }
    const representative = checkRepresentative(body.representative, 'representative');
    const item: FakeBmEvent = { conversationId, eventId, eventType: body.eventType, representative };
    this.events.push(item);
    for (const listener of this.listeners) listener(item);
    return { name: `conversations/${conversationId}/events/${eventId}`, ...body };
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) throw new Refusal(413, 'INVALID_ARGUMENT', 'Request payload size exceeds the limit.');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
