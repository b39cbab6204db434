import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import Koa from 'koa';
import { createBot, definePlugin, PermanentError } from 'rbmkit';
import { payloads, post, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';
import { eventually, recorder } from '../helpers/recorder.js';

const PARTNER_TOKEN = 'SJENCPGJESMGUFPY';
const AGENT_TOKEN = 'AGENTTOKEN123456';
const VECTOR_DATA =
  '{"agentId":"AGENT_ID","senderPhoneNumber":"+12223334444","messageId":"MESSAGE_ID","sendTime":"2018-12-31T15:01:23.045123456Z","text":"Hello, world!"}';
const VECTOR_SIGNATURE = 'jD4t7DhLA1bVNi0CO6sJpVGdi6a8XQhXp/o/tToUy1be71CeCIQs6Pw065Ld26SaLOiyhAibzq4h4K2ia5gR9Q==';

const envelope = (data: string) => JSON.stringify({ message: { data, messageId: '1', attributes: {} }, subscription: 'projects/p/subscriptions/s' });

function expectJsonError(response: { status: number; body: unknown }, status: number, code: string): void {
  expect(response.status, JSON.stringify(response.body)).to.equal(status);
  expect(response.body).to.be.an('object').with.property('error', code);
  const message = (response.body as { message: unknown }).message;
  expect(message).to.be.a('string').and.match(/expected|failed|closed/);
  expect(JSON.stringify(response.body)).not.to.match(/\bat .*\.(ts|js):\d+/);
}

describe('ingress (real HTTP on loopback)', () => {
  let t: TestBot;
  let rec: ReturnType<typeof recorder>;

  beforeEach(async () => {
    rec = recorder();
    t = await startTestBot({
      partner: { path: '/webhook', clientToken: [PARTNER_TOKEN, 'ROTATEDTOKEN0001'], plugins: [rec.plugin] },
      agents: { 'own@rbm.goog': { webhook: { path: '/agents/own', clientToken: AGENT_TOKEN } } },
      bodyLimit: 64 * 1024,
    });
  });
  afterEach(() => t.close());

  describe('handshake (Google: "Configure your webhook", clientToken and secret)', () => {
    it('answers the documented example with the bare secret as text/plain', async () => {
      const response = await fetch(`${t.url}/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"clientToken":"SJENCPGJESMGUFPY","secret":"1234567890"}',
      });
      expect(response.status).to.equal(200);
      expect(response.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await response.text()).to.equal('1234567890');
    });

    it('accepts a rotated token too', async () => {
      const response = await t.postRaw('/webhook', '{"clientToken":"ROTATEDTOKEN0001","secret":"42"}');
      expect(response).to.include({ status: 200, body: '42' });
    });

    it('refuses a wrong token with 401 JSON, never echoing the secret', async () => {
      const response = await t.postRaw('/webhook', '{"clientToken":"WRONG","secret":"s3cr3t-value"}');
      expectJsonError(response, 401, 'bad_client_token');
      expect(JSON.stringify(response.body)).not.to.include('s3cr3t-value');
      expect(t.bot.stats().rejected).to.equal(1);
    });

    it('checks a token only against the webhook it arrived at', async () => {
      expectJsonError(await t.postRaw('/webhook', `{"clientToken":"${AGENT_TOKEN}","secret":"1"}`), 401, 'bad_client_token');
      expectJsonError(await t.postRaw('/agents/own', `{"clientToken":"${PARTNER_TOKEN}","secret":"1"}`), 401, 'bad_client_token');
      expect(await t.postRaw('/agents/own', `{"clientToken":"${AGENT_TOKEN}","secret":"1"}`)).to.include({ status: 200, body: '1' });
    });

    it('refuses a handshake whose fields are not strings', async () => {
      expectJsonError(await t.postRaw('/webhook', '{"clientToken":1,"secret":"x"}'), 400, 'bad_handshake');
    });
  });

  describe('push (Google: "Verify incoming messages", X-Goog-Signature)', () => {
    it('accepts the documented test vector and emits a typed text event', async () => {
      const response = await t.postRaw('/webhook', envelope(Buffer.from(VECTOR_DATA).toString('base64')), {
        'content-type': 'application/json',
        'x-goog-signature': VECTOR_SIGNATURE,
      });
      expect(response).to.deep.include({ status: 200, body: { status: 'handled' } });
      expect(rec.seen).to.have.length(1);
      const { agent, event } = rec.seen[0]!;
      expect(agent).to.equal('AGENT_ID');
      expect(event).to.include({ type: 'text', text: 'Hello, world!', phone: '+12223334444', id: 'MESSAGE_ID', sendTime: '2018-12-31T15:01:23.045123456Z' });
      expect(event.push).to.include({ pushId: '1', webhook: '/webhook', subscription: 'projects/p/subscriptions/s' });
    });

    it('accepts a push signed with any of the webhook\'s tokens', async () => {
      const response = await t.push(payloads.text({ text: 'rotated' }), { token: 'ROTATEDTOKEN0001' });
      expect(response.status).to.equal(200);
      expect(rec.seen.map((s) => s.event.type)).to.deep.equal(['text']);
    });

    it('routes a partner push to the agent its signed data names', async () => {
      await t.push(payloads.text({ text: 'x', agentId: 'shop@rbm.goog' }));
      await t.push(payloads.text({ text: 'y', agentId: 'bank@rbm.goog' }));
      expect(rec.seen.map((s) => s.agent)).to.deep.equal(['shop@rbm.goog', 'bank@rbm.goog']);
    });

    it('delivers a kind it does not know as `unknown`, raw payload kept, answered 200', async () => {
      const data = { agentId: 'a@rbm.goog', senderPhoneNumber: '+1', messageId: 'm', brandNewKind: { x: 1 } };
      expect((await t.push(data)).status).to.equal(200);
      expect(rec.seen[0]!.event.type).to.equal('unknown');
      expect(rec.seen[0]!.event.raw).to.deep.equal(data);
    });

    it('refuses a push at an agent webhook that names another agent (403)', async () => {
      const response = await t.push(payloads.text({ text: 'x', agentId: 'other@rbm.goog' }), { path: '/agents/own', token: AGENT_TOKEN });
      expectJsonError(response, 403, 'agent_mismatch');
      expect(rec.seen).to.have.length(0);
    });

    it('gives a push at an agent webhook that names no agent to that agent', async () => {
      const seen: string[] = [];
      t.bot.agents.set('own@rbm.goog', {
        webhook: { path: '/agents/own', clientToken: AGENT_TOKEN },
        plugins: [definePlugin({ name: 'x', setup: (agent) => void agent.on('text', () => void seen.push(agent.id)) })],
      });
      const response = await t.push({ senderPhoneNumber: '+1', messageId: 'q', text: 'hi' }, { path: '/agents/own', token: AGENT_TOKEN });
      expect(response.status).to.equal(200);
      expect(seen).to.deep.equal(['own@rbm.goog']);
    });

    it('refuses a partner push whose signed data names no agent (400)', async () => {
      expectJsonError(await t.push({ senderPhoneNumber: '+1', text: 'x' }), 400, 'missing_agent_id');
    });

    it('does not accept the agent webhook token at the partner webhook', async () => {
      expectJsonError(await t.push(payloads.text({ text: 'x' }), { token: AGENT_TOKEN }), 401, 'bad_signature');
    });
  });

  describe('bad input gets a JSON error and the server keeps serving', () => {
    afterEach(async () => {
      const ok = await t.push(payloads.text({ text: 'still alive' }));
      expect(ok.status).to.equal(200);
    });

    it('not JSON: 400 bad_json', async () => {
      expectJsonError(await t.postRaw('/webhook', '{"message":'), 400, 'bad_json');
      expectJsonError(await t.postRaw('/webhook', 'hello', { 'content-type': 'text/plain' }), 400, 'bad_json');
    });

    it('JSON that is neither a handshake nor a push: 400 bad_body', async () => {
      expectJsonError(await t.postRaw('/webhook', '{"hello":"world"}'), 400, 'bad_body');
      expectJsonError(await t.postRaw('/webhook', '[1,2]'), 400, 'bad_body');
      expectJsonError(await t.postRaw('/webhook', '{"message":{"data":5}}'), 400, 'bad_push');
    });

    it('an empty body: 400', async () => {
      const response = await t.postRaw('/webhook', '');
      expect(response.status).to.equal(400);
      expect(response.body).to.have.property('error');
    });

    it('data that is not base64: 400 bad_base64', async () => {
      expectJsonError(await t.postRaw('/webhook', envelope('%%% not base64 %%%'), { 'x-goog-signature': VECTOR_SIGNATURE }), 400, 'bad_base64');
      expectJsonError(await t.postRaw('/webhook', envelope('')), 400, 'bad_base64');
    });

    it('signed data that is not JSON, not an object, or not UTF-8: 400 bad_data', async () => {
      expectJsonError(await t.push('this is not json'), 400, 'bad_data');
      expectJsonError(await t.push('[1,2,3]'), 400, 'bad_data');
      expectJsonError(await t.push(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), 400, 'bad_data');
    });

    it('a missing signature: 401 missing_signature', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: PARTNER_TOKEN });
      expectJsonError(await t.postRaw('/webhook', push.body), 401, 'missing_signature');
    });

    it('a garbled, truncated or wrong-token signature: 401 bad_signature', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: PARTNER_TOKEN });
      const signature = push.headers['x-goog-signature']!;
      for (const bad of [`${signature.slice(0, 10)}@@@${signature.slice(13)}`, signature.slice(0, 30), signData64('WRONG-TOKEN')]) {
        expectJsonError(await t.postRaw('/webhook', push.body, { 'content-type': 'application/json', 'x-goog-signature': bad }), 401, 'bad_signature');
      }
      expect(rec.seen).to.have.length(0);
    });

    it('the signature of one body sent with another: 401', async () => {
      const a = signedPush(payloads.text({ text: 'a' }), { token: PARTNER_TOKEN });
      const b = signedPush(payloads.text({ text: 'b' }), { token: PARTNER_TOKEN });
      expectJsonError(await t.postRaw('/webhook', a.body, { 'x-goog-signature': b.headers['x-goog-signature']! }), 401, 'bad_signature');
    });

    it('a handshake mixed into a push is treated as a push and never echoes the secret', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: PARTNER_TOKEN });
      const mixed = JSON.stringify({ ...JSON.parse(push.body), clientToken: PARTNER_TOKEN, secret: 'ECHO-ME' });
      const response = await t.postRaw('/webhook', mixed, push.headers);
      expect(response.status).to.equal(200);
      expect(JSON.stringify(response.body)).not.to.include('ECHO-ME');
    });

    it('a body over the limit: 413 payload_too_large', async () => {
      const big = JSON.stringify({ message: { data: 'A'.repeat(70 * 1024) } });
      expectJsonError(await t.postRaw('/webhook', big), 413, 'payload_too_large');
    });

    it('a wrong method: 405 JSON; an unknown path: 404 JSON', async () => {
      const get = await fetch(`${t.url}/webhook`);
      expect(get.status).to.equal(405);
      expect(await get.json()).to.have.property('error', 'method_not_allowed');
      expectJsonError(await t.postRaw('/nowhere', '{}'), 404, 'not_found');
    });
  });

  describe('the default body limit', () => {
    it('is 1 MiB: just under is served, just over is 413', async () => {
      const bot = await startTestBot({ partner: { clientToken: PARTNER_TOKEN } });
      try {
        const under = await bot.push({ ...payloads.text({ text: 'x' }), padding: 'p'.repeat(700 * 1024) });
        expect(under.status).to.equal(200);
        // Signed (forged): an unsigned body is refused past 4 KiB, whatever the limit.
        const over = await bot.postRaw('/webhook', JSON.stringify({ message: { data: 'A'.repeat(1024 * 1024) } }), {
          'content-type': 'application/json',
          'x-goog-signature': `${'A'.repeat(86)}==`,
        });
        expectJsonError(over, 413, 'payload_too_large');
        expect((over.body as { message: string }).message).to.equal('expected a body of at most 1048576 bytes');
      } finally {
        await bot.close();
      }
    });
  });

  describe('the signature policy', () => {
    it('`reject` (default) answers 401 and tells the webhook owner\'s plugins', async () => {
      await t.push(payloads.text({ text: 'x', agentId: 'claimed@rbm.goog' }), { token: 'WRONG' });
      await eventually(() => rec.rejected.length === 1);
      expect(rec.rejected[0]!.agent).to.equal('*partner*');
      expect(rec.rejected[0]!.notice).to.include({ reason: 'bad_signature', status: 401, webhook: '/webhook', claimedAgentId: 'claimed@rbm.goog' });
    });

    it('`acknowledge` answers 200 and drops, still counted and reported', async () => {
      const quiet = recorder();
      const bot = await startTestBot({ partner: { clientToken: PARTNER_TOKEN, plugins: [quiet.plugin] }, signaturePolicy: 'acknowledge' });
      try {
        const response = await bot.push(payloads.text({ text: 'x' }), { token: 'WRONG' });
        expect(response).to.deep.include({ status: 200, body: { status: 'dropped', reason: 'bad_signature' } });
        expect(quiet.seen).to.have.length(0);
        expect(bot.bot.stats().rejected).to.equal(1);
        await eventually(() => quiet.rejected.length === 1);
        expect(quiet.rejected[0]!.notice.status).to.equal(200);
      } finally {
        await bot.close();
      }
    });
  });

  describe('mounting', () => {
    it('serves from inside an existing Koa app, leaving its other routes alone', async () => {
      const rec2 = recorder();
      const bot = createBot({ logger: false, partner: { path: '/rbm', clientToken: PARTNER_TOKEN, plugins: [rec2.plugin] } });
      const app = new Koa();
      app.use(bot.middleware());
      app.use((ctx) => {
        ctx.body = 'the app';
      });
      const server = createServer(app.callback()).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        expect((await post(`${base}/rbm`, signedPush(payloads.text({ text: 'hi' }), { token: PARTNER_TOKEN }))).status).to.equal(200);
        expect(await (await fetch(`${base}/elsewhere`)).text()).to.equal('the app');
        expect(rec2.seen).to.have.length(1);
      } finally {
        server.close();
        await bot.close();
      }
    });

    it('serves through callback() on a plain node:http server', async () => {
      const bot = createBot({ logger: false, partner: { clientToken: PARTNER_TOKEN } });
      const server = createServer(bot.callback()).listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        expect(await (await fetch(`${base}/webhook`, { method: 'POST', body: `{"clientToken":"${PARTNER_TOKEN}","secret":"7"}` })).text()).to.equal('7');
      } finally {
        server.close();
        await bot.close();
      }
    });
  });

  describe('error details (exposeErrors: dev and tests only)', () => {
    const crm = definePlugin({
      name: 'crm',
      setup(agent) {
        agent.on('text', (event) => {
          if (event.text === 'permanent') throw new PermanentError('no such customer');
          if (event.text === 'long') throw new Error('x'.repeat(2_000));
          throw new Error('db down at 10.0.0.7:5432');
        });
      },
    });
    const config = (exposeErrors?: boolean) => ({ partner: { clientToken: PARTNER_TOKEN, plugins: [crm] }, ...(exposeErrors === undefined ? {} : { exposeErrors }) });

    it('with it on: a 500 plugin_failed and a 200 failed_permanently carry each failed plugin and its error message', async () => {
      const bot = await startTestBot(config(true));
      try {
        const failed = await bot.push(payloads.text({ text: 'x' }));
        expect(failed.status).to.equal(500);
        expect(failed.body).to.deep.equal({
          error: 'plugin_failed',
          message: 'plugins failed: crm; a redelivery will run only those again',
          details: { plugins: [{ plugin: 'crm', error: 'db down at 10.0.0.7:5432' }] },
        });
        const permanent = await bot.push(payloads.text({ text: 'permanent' }));
        expect(permanent.status).to.equal(200);
        expect(permanent.body).to.deep.equal({
          status: 'failed_permanently',
          plugins: ['crm'],
          details: { plugins: [{ plugin: 'crm', error: 'no such customer' }] },
        });
        // Bounded, and never a stack.
        const long = (await bot.push(payloads.text({ text: 'long' }))).body as { details: { plugins: Array<{ error: string }> } };
        expect(long.details.plugins[0]!.error).to.have.length(500).and.match(/^x+…$/);
        expect(JSON.stringify(failed.body)).not.to.match(/\bat .*\.(ts|js):\d+/);
      } finally {
        await bot.close();
      }
    });

    it('off (the default, and false): answers carry no error details at all', async () => {
      for (const exposeErrors of [undefined, false]) {
        const bot = await startTestBot(config(exposeErrors));
        try {
          const failed = await bot.push(payloads.text({ text: 'x' }));
          expect(failed.status).to.equal(500);
          expect(failed.body).to.deep.equal({ error: 'plugin_failed', message: 'plugins failed: crm; a redelivery will run only those again' });
          const permanent = await bot.push(payloads.text({ text: 'permanent' }));
          expect(permanent.body).to.deep.equal({ status: 'failed_permanently', plugins: ['crm'] });
          expect(JSON.stringify([failed.body, permanent.body])).not.to.match(/db down|no such customer/);
        } finally {
          await bot.close();
        }
      }
    });

    it('is a boolean', () => {
      expect(() => createBot({ logger: false, exposeErrors: 'yes' as unknown as boolean })).to.throw('exposeErrors: expected true or false');
    });
  });
});

function signData64(token: string): string {
  return signedPush(payloads.text({ text: 'x' }), { token }).headers['x-goog-signature']!;
}
