import { expect } from 'chai';
import { HttpRbmClient, messages, noAuth, RbmRateLimitError } from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';
import type { RateLimitWait } from '../../core/client/call-rate-limiter.js';
import { rejection } from '../helpers/rejection.js';

const AGENT = 'shop@rbm.goog';
const OTHER = 'cafe@rbm.goog';
const PHONES = ['+12223334444', '+12223334445'];

/** `count` bulk-capability calls at once; what each became. */
function burst(client: HttpRbmClient, count: number, agentId = AGENT): Promise<Array<'ok' | Error>> {
  return Promise.all(
    Array.from({ length: count }, () =>
      client.batchGetCapabilities({ agentId, phones: PHONES }).then(
        () => 'ok' as const,
        (error: unknown) => error as Error,
      ),
    ),
  );
}

describe('rate limits: calls over the rate wait their turn instead of meeting 429s', () => {
  let api: FakeRbmApi;
  afterEach(() => api.close());

  describe('the fake holds users:batchGet to its quota as Google does', () => {
    it('answers 429 RESOURCE_EXHAUSTED with Google\'s error JSON past the quota of one agent, and not another\'s', async () => {
      api = await FakeRbmApi.start({ batchGetQuota: { calls: 2, perMs: 60_000 } });
      const post = (agentId: string) =>
        fetch(`${api.url}/v1/users:batchGet`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ users: PHONES, agentId }) });
      expect((await post(AGENT)).status).to.equal(200);
      expect((await post(AGENT)).status).to.equal(200);
      const refused = await post(AGENT);
      expect(refused.status).to.equal(429);
      const body = (await refused.json()) as { error: { code: number; status: string; message: string } };
      expect(body.error).to.include({ code: 429, status: 'RESOURCE_EXHAUSTED' });
      expect(body.error.message).to.include('Quota exceeded');
      expect((await post(OTHER)).status).to.equal(200);
    });
  });

  describe('users:batchGet', () => {
    it('without the limiter, a burst past the quota meets 429s', async () => {
      api = await FakeRbmApi.start({ batchGetQuota: { calls: 6, perMs: 600 } });
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits: false, maxAttempts: 1 });
      const results = await burst(client, 12);
      const refused = results.filter((r): r is Error => r !== 'ok');
      expect(refused.length).to.be.at.least(1);
      for (const error of refused) {
        expect(error).to.be.instanceOf(RbmRateLimitError);
        expect(error.message).to.match(/^RBM API answered 429 RESOURCE_EXHAUSTED: Quota exceeded/);
      }
      expect(api.requests.filter((r) => r.status === 429)).to.have.length(refused.length);
    });

    it('with the limiter, the same burst waits its turn: every call answered, no 429', async () => {
      api = await FakeRbmApi.start({ batchGetQuota: { calls: 6, perMs: 600 } });
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits: { batchGet: { calls: 6, perMs: 600 } }, maxAttempts: 1 });
      const waits: RateLimitWait[] = [];
      client.observeRateLimit((wait) => waits.push(wait));
      const results = await burst(client, 12);
      expect(results).to.deep.equal(Array(12).fill('ok'));
      expect(api.requests.map((r) => r.status)).to.deep.equal(Array(12).fill(200));
      // A burst of 1 (a tenth of 6, at least 1) went at once; the other 11 waited, in order.
      expect(waits.map((w) => [w.kind, w.agentId, w.outcome])).to.deep.equal(Array(11).fill(['batchGet', AGENT, 'waited']));
    });

    it('paces by default at Google\'s 600 a minute, per agent', async () => {
      api = await FakeRbmApi.start();
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), maxAttempts: 1, rateLimits: { maxWaitMs: 0 } });
      // The default bucket holds 60 (a tenth of 600): the 61st would wait, and maxWaitMs 0 refuses it.
      const results = await burst(client, 61);
      expect(results.filter((r) => r === 'ok')).to.have.length(60);
      const refused = results.find((r) => r !== 'ok') as RbmRateLimitError;
      expect(refused).to.be.instanceOf(RbmRateLimitError);
      expect(refused.reason).to.equal('CLIENT_RATE_LIMIT');
      expect(refused.message).to.include('600 per 60000 ms');
      // The refused call never reached the API, and another agent has a bucket of its own.
      expect(api.requests).to.have.length(60);
      expect(await burst(client, 1, OTHER)).to.deep.equal(['ok']);
    });
  });

  describe('messages and events', () => {
    it('sends over the configured rate go in the order they were made, each once', async () => {
      api = await FakeRbmApi.start();
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits: { messages: { calls: 3, perMs: 150, burst: 1 } } });
      const waits: RateLimitWait[] = [];
      client.observeRateLimit((wait) => waits.push(wait));
      const texts = ['one', 'two', 'three', 'four', 'five'];
      await Promise.all(texts.map((text) => client.sendMessage({ agentId: AGENT, phone: PHONES[0]!, message: messages.text(text) })));
      expect(api.texts()).to.deep.equal(texts);
      expect(waits.map((w) => w.outcome)).to.deep.equal(['waited', 'waited', 'waited', 'waited']);
      // Events have no limit here: they go at once.
      await Promise.all([1, 2, 3].map(() => client.sendEvent({ agentId: AGENT, phone: PHONES[0]!, event: { eventType: 'IS_TYPING' } })));
      expect(api.events).to.have.length(3);
      expect(waits).to.have.length(4);
    });

    it('a send that would wait longer than maxWaitMs fails at once, retryable, and never reaches Google', async () => {
      api = await FakeRbmApi.start();
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits: { events: { calls: 2, perMs: 60_000, burst: 1 }, maxWaitMs: 1_000 } });
      await client.sendEvent({ agentId: AGENT, phone: PHONES[0]!, event: { eventType: 'IS_TYPING' } });
      const error = await rejection(client.sendEvent({ agentId: AGENT, phone: PHONES[0]!, event: { eventType: 'IS_TYPING' } }));
      expect(error).to.be.instanceOf(RbmRateLimitError);
      expect(error).to.include({ permanent: false, reason: 'CLIENT_RATE_LIMIT' });
      expect(api.requests).to.have.length(1);
    });

    it('a waiting send stops when its signal fires, and is never sent', async () => {
      api = await FakeRbmApi.start();
      const client = new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits: { messages: { calls: 2, perMs: 60_000, burst: 1 }, maxWaitMs: 120_000 } });
      await client.sendMessage({ agentId: AGENT, phone: PHONES[0]!, message: messages.text('first') });
      const controller = new AbortController();
      const waiting = client.sendMessage({ agentId: AGENT, phone: PHONES[0]!, message: messages.text('second'), signal: controller.signal });
      const reason = new Error('the handler ran out of time');
      controller.abort(reason);
      expect(await rejection(waiting)).to.equal(reason);
      expect(api.texts()).to.deep.equal(['first']);
    });
  });
});
