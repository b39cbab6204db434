import { request } from 'node:http';
import { expect } from 'chai';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { BodyBudget, bodyCharge } from '../../core/webhook/body-budget.js';

const TOKEN = 'BUDGETTOKEN00001';
const BODY = 100 * 1024;

/** Starts a POST of `length` bytes, sends `sent` of them and holds the rest: its body stays charged. */
function heldRequest(url: string, length: number): { answer: Promise<{ status: number; body: string; ms: number }>; abort(): void } {
  const { hostname, port } = new URL(url);
  const started = Date.now();
  let abort = () => undefined as void;
  const answer = new Promise<{ status: number; body: string; ms: number }>((resolve) => {
    const req = request({ hostname, port, path: '/webhook', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(length) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text, ms: Date.now() - started }));
    });
    req.on('error', () => resolve({ status: 0, body: '', ms: Date.now() - started }));
    req.write(Buffer.alloc(1024, 0x20));
    abort = () => req.destroy();
  });
  return { answer, abort: () => abort() };
}

describe('hardening: bodies count against a memory budget', function () {
  this.timeout(30_000);
  let t: TestBot;

  before(async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN }, bodyLimit: 128 * 1024, bodyBudgetBytes: 4 * BODY });
  });
  after(() => t.close());

  it('charges Content-Length, or the limit when chunked or compressed', () => {
    const req = (headers: Record<string, string>) => ({ headers }) as never;
    expect(bodyCharge(req({ 'content-length': '10' }), 100)).to.equal(10);
    expect(bodyCharge(req({ 'content-length': '1000' }), 100)).to.equal(100);
    expect(bodyCharge(req({ 'transfer-encoding': 'chunked' }), 100)).to.equal(100);
    expect(bodyCharge(req({ 'content-length': '10', 'content-encoding': 'gzip' }), 100)).to.equal(100);
    expect(bodyCharge(req({}), 100)).to.equal(0);
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
});
