import { request } from 'node:http';
import { expect } from 'chai';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { BODY_MEMORY_FACTOR, BodyBudget, bodyCharge, UNSIGNED_BODY_LIMIT } from '../../core/webhook/body-budget.js';

const TOKEN = 'BUDGETTOKEN00001';
const BODY = 100 * 1024;
/** Well-formed (88 base64 characters, 64 bytes) and wrong for any key: the body must be read to find out. */
const FORGED = `${'A'.repeat(86)}==`;

/**
 * Starts a POST of `length` bytes (signed, forged, unless `headers` say otherwise), sends 1 KiB
 * of it and holds the rest: its body stays charged.
 */
function heldRequest(
  url: string,
  length: number,
  headers: Record<string, string> = { 'x-goog-signature': FORGED },
): { answer: Promise<{ status: number; body: string; ms: number; connection: string | undefined }>; abort(): void } {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  let abort = () => undefined as void;
  const answer = new Promise<{ status: number; body: string; ms: number; connection: string | undefined }>((resolve) => {
    const req = request(
      { hostname, port, path: '/webhook', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Date.now() - started, connection: res.headers.connection }));
      },
    );
    req.on('error', () => resolve({ status: 0, body: '', ms: Date.now() - started, connection: undefined }));
    req.write(Buffer.alloc(1024, 0x20));
    abort = () => req.destroy();
  });
  return { answer, abort: () => abort() };
}

describe('hardening: bodies count against a memory budget', function () {
  this.timeout(30_000);
  let t: TestBot;

  before(async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN }, bodyLimit: 128 * 1024, bodyBudgetBytes: 4 * BODY * BODY_MEMORY_FACTOR });
  });
  after(() => t.close());

  it('charges the memory a body takes: its Content-Length, or its limit when chunked or compressed, times the memory factor', () => {
    const req = (headers: Record<string, string>) => ({ headers: { 'x-goog-signature': FORGED, ...headers } }) as never;
    expect(bodyCharge(req({ 'content-length': '10' }), 100)).to.equal(10 * BODY_MEMORY_FACTOR);
    // Refused unread (413): it costs nothing.
    expect(bodyCharge(req({ 'content-length': '1000' }), 100)).to.equal(0);
    expect(bodyCharge(req({ 'transfer-encoding': 'chunked' }), 100)).to.equal(100 * BODY_MEMORY_FACTOR);
    expect(bodyCharge(req({ 'content-length': '10', 'content-encoding': 'gzip' }), 100)).to.equal(100 * BODY_MEMORY_FACTOR);
    expect(bodyCharge(req({}), 100)).to.equal(0);
    // Unsigned: a handshake at most.
    const unsigned = (headers: Record<string, string>) => ({ headers }) as never;
    expect(bodyCharge(unsigned({ 'content-length': '100' }), 1_000_000)).to.equal(100 * BODY_MEMORY_FACTOR);
    expect(bodyCharge(unsigned({ 'content-length': String(UNSIGNED_BODY_LIMIT + 1) }), 1_000_000)).to.equal(0);
    expect(bodyCharge(unsigned({ 'transfer-encoding': 'chunked' }), 1_000_000)).to.equal(UNSIGNED_BODY_LIMIT * BODY_MEMORY_FACTOR);
    const budget = new BodyBudget(100);
    expect(budget.reserve(60)).to.equal(true);
    expect(budget.reserve(60)).to.equal(false);
    budget.release(60);
    expect(budget.inUse).to.equal(0);
  });

  it('many large bodies at once: those over budget get a fast JSON 503, and the server still serves', async () => {
    const held = Array.from({ length: 40 }, () => heldRequest(t.url, BODY));
    // The held ones that fit are charged and waiting; all the others were refused at once.
    const refused: Array<{ status: number; body: string; ms: number }> = [];
    for (const h of held) void h.answer.then((answer) => refused.push(answer));
    const until = Date.now() + 5_000;
    while (refused.length < held.length - 4 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(refused.length, 'refusals were not immediate').to.equal(held.length - 4);
    for (const answer of refused) {
      expect(answer.status).to.equal(503);
      expect(JSON.parse(answer.body)).to.deep.include({ error: 'overloaded' });
      expect(answer.ms).to.be.below(2_000);
    }
    // While the budget is taken, a genuine push is refused too (503 + Retry-After) …
    const busy = await t.push(payloads.text({ text: 'while full' }));
    expect(busy.status).to.equal(503);
    expect(busy.headers.get('retry-after')).to.equal('1');
    // … and served once the held bodies are gone.
    for (const h of held) h.abort();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await t.push(payloads.text({ text: 'after' }))).status).to.equal(200);
  });

  it('an unsigned body larger than a handshake is answered 413 JSON before it is sent, and the connection closed', async () => {
    const held = heldRequest(t.url, 1_000_000, {});
    const answer = await held.answer;
    expect(answer.status).to.equal(413);
    expect(answer.connection).to.equal('close');
    expect(JSON.parse(answer.body)).to.deep.equal({
      error: 'payload_too_large',
      message: `expected an X-Goog-Signature header on a body over ${UNSIGNED_BODY_LIMIT} bytes: only the verification handshake comes unsigned`,
    });
    // The client sent 1 KiB of its million bytes: the answer did not wait for the rest.
    expect(answer.ms).to.be.below(5_000);
    held.abort();
    expect(t.bot.stats().rejected, 'nothing was parsed, so nothing was verified or rejected').to.equal(0);
  });

  it('an unsigned chunked body is read up to the handshake limit, then refused 413', async () => {
    const answer = await fetch(`${t.url}/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(`{"pad":"${'x'.repeat(UNSIGNED_BODY_LIMIT)}"}`));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(answer.status).to.equal(413);
    expect(((await answer.json()) as { error: string }).error).to.equal('payload_too_large');
  });

  it('a signed push larger than the unsigned limit is read, verified and handled; the handshake still answers', async () => {
    const big = await t.push(payloads.text({ text: 'y'.repeat(UNSIGNED_BODY_LIMIT * 2) }));
    expect(big.status).to.equal(200);
    const handshake = await fetch(`${t.url}/webhook`, { method: 'POST', body: JSON.stringify({ clientToken: TOKEN, secret: '42' }) });
    expect(handshake.status).to.equal(200);
    expect(await handshake.text()).to.equal('42');
  });
});
