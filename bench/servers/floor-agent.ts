// The floor: a hand-written node:http agent doing the work rbmkit's echo agent does, and no
// more, so rbmkit's own cost is the distance to it. Per push: read the body, parse it, verify
// X-Goog-Signature (HMAC-SHA512, timingSafeEqual), decode and parse the signed data, check
// its agentId, dedupe it (agent + phone + messageId, a Map bounded like rbmkit's default
// store: 100,000 events, the oldest forgotten first; a delivery of an event in flight joins
// it), run it after the conversation's earlier events, then answer {"status":"handled"}.
// MODE=echo (default) marks the message READ and replies with its text, two sequential
// keep-alive HTTP calls (undici, as rbmkit's client) to the fake RBM API at RBM_API_URL, each
// with a UUID id, and writes one JSON log line per event (what rbmkit's logging plugin logs at
// info, phone masked) to stdout. MODE=none does neither: verify, dedupe, 200.
// STACK=koa does the same work behind Koa, @koa/router and koa-bodyparser (the stack the
// product owner fixed for rbmkit) instead of node:http: rbmkit's own cost on that stack is
// the distance to it.
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import bodyParser from 'koa-bodyparser';
import { Agent, request } from 'undici';
import { announce, TOKEN } from './verify.js';

const ECHO = process.env.MODE !== 'none';
const API = process.env.RBM_API_URL ?? '';
const AGENT_ID = 'bench@rbm.goog';
const MAX_EVENTS = 100_000;
const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 128 });

/** Dedupe: key -> the delivery's result while in flight, then true once handled. */
const seen = new Map<string, Promise<boolean> | true>();
/** Per conversation (agent + phone), the tail of its queue. */
const conversations = new Map<string, Promise<unknown>>();
let handled = 0;
let duplicates = 0;

const mask = (phone: string) => (phone.length > 6 ? `${phone.slice(0, 4)}${'*'.repeat(phone.length - 6)}${phone.slice(-2)}` : '***');

function verify(data: string, signature: string | undefined): Buffer | undefined {
  if (signature === undefined) return undefined;
  const bytes = Buffer.from(data, 'base64');
  const expected = createHmac('sha512', TOKEN).update(bytes).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected) ? bytes : undefined;
}

async function post(path: string, body: unknown): Promise<void> {
  const response = await request(`${API}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify(body),
    dispatcher,
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`RBM API answered ${response.statusCode}: ${text.slice(0, 200)}`);
}

async function work(event: { agentId: string; senderPhoneNumber: string; messageId: string; text?: string }, receivedAt: number): Promise<boolean> {
  if (ECHO && typeof event.text === 'string') {
    const phone = event.senderPhoneNumber;
    await post(`/v1/phones/${phone}/agentEvents?eventId=${randomUUID()}&agentId=${encodeURIComponent(event.agentId)}`, { eventType: 'READ', messageId: event.messageId });
    await post(`/v1/phones/${phone}/agentMessages?messageId=${randomUUID()}&agentId=${encodeURIComponent(event.agentId)}`, { contentMessage: { text: event.text.slice(0, 3072) } });
  }
  if (ECHO) {
    process.stdout.write(
      `${JSON.stringify({ level: 30, time: Date.now(), pid: process.pid, name: 'floor', agentId: event.agentId, kind: 'text', eventId: event.messageId, phone: mask(event.senderPhoneNumber), attempt: 1, latencyMs: Date.now() - receivedAt, outcome: 'handled', msg: 'text handled' })}\n`,
    );
  }
  handled += 1;
  return true;
}

function deliver(event: { agentId: string; senderPhoneNumber: string; messageId: string; text?: string }): Promise<boolean> {
  const key = `${event.agentId}\u0000${event.senderPhoneNumber}\u0000${event.messageId}`;
  const known = seen.get(key);
  if (known !== undefined) {
    duplicates += 1;
    return known === true ? Promise.resolve(true) : known;
  }
  const conversation = `${event.agentId}\u0000${event.senderPhoneNumber}`;
  const previous = conversations.get(conversation);
  const receivedAt = Date.now();
  const result = previous === undefined ? work(event, receivedAt) : previous.then(() => work(event, receivedAt));
  const tail = result.catch(() => false);
  conversations.set(conversation, tail);
  void tail.then((ok) => {
    if (conversations.get(conversation) === tail) conversations.delete(conversation);
    // A failed event is forgotten, so a redelivery runs it again.
    if (ok) seen.set(key, true);
    else seen.delete(key);
  });
  seen.set(key, result);
  if (seen.size > MAX_EVENTS) seen.delete(seen.keys().next().value!);
  return result;
}

type Event = { agentId: string; senderPhoneNumber: string; messageId: string; text?: string };
type Answer = readonly [status: number, body: string];
const FAILED: Answer = [500, '{"error":"plugin_failed","message":"echo failed"}'];
const BAD_JSON: Answer = [400, '{"error":"bad_json","message":"expected JSON"}'];

/** A push's answer, from its parsed body and its X-Goog-Signature. */
function answerPush(push: { message?: { data?: unknown } } | undefined, signature: string | undefined): Answer | Promise<Answer> {
  let event: Event;
  try {
    const data = push?.message?.data;
    if (typeof data !== 'string') return [400, '{"error":"bad_request","message":"expected message.data"}'];
    const bytes = verify(data, signature);
    if (bytes === undefined) return [401, '{"error":"bad_signature","message":"X-Goog-Signature does not match"}'];
    event = JSON.parse(bytes.toString('utf8')) as Event;
  } catch {
    return BAD_JSON;
  }
  if (event.agentId !== AGENT_ID) return [403, '{"error":"agent_mismatch","message":"another agent"}'];
  return deliver(event).then(
    (ok): Answer => (ok ? [200, '{"status":"handled"}'] : FAILED),
    () => FAILED,
  );
}

function answer(res: import('node:http').ServerResponse, [status, body]: Answer): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function listenOnNodeHttp(): import('node:http').Server {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let push: { message?: { data?: unknown } };
      try {
        push = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof push;
      } catch {
        return answer(res, BAD_JSON);
      }
      const answered = answerPush(push, req.headers['x-goog-signature'] as string | undefined);
      if (answered instanceof Promise) void answered.then((a) => answer(res, a));
      else answer(res, answered);
    });
  });
  return server.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
}

function listenOnKoa(): import('node:http').Server {
  const app = new Koa();
  app.silent = true;
  const router = new Router();
  router.post('/webhook', bodyParser({ enableTypes: ['json'] }), async (ctx) => {
    const [status, body] = await answerPush(ctx.request.body as { message?: { data?: unknown } }, ctx.get('x-goog-signature') || undefined);
    ctx.status = status;
    ctx.type = 'application/json; charset=utf-8';
    ctx.body = body;
  });
  app.use(router.routes());
  const server = app.listen(0, '127.0.0.1', () => announce((server.address() as { port: number }).port));
  return server;
}

const server = process.env.STACK === 'koa' ? listenOnKoa() : listenOnNodeHttp();
server.keepAliveTimeout = 5_000;
process.on('exit', () => process.stderr.write(duplicates > 0 ? `floor: ${handled} handled, ${duplicates} duplicates\n` : ''));
