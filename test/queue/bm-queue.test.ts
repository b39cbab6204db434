// Business Messages in queue mode, against the real broker (NATS JetStream on 127.0.0.1:4222):
// a BM body is verified and queued by ingress, rebuilt exactly by a worker, answered through the
// BM webhook's BmClient (to the fake BM API), kept in order per conversation, dead-lettered and
// replayed as RBM events are.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { BmClient, createBot, definePlugin, staticToken, type Bot, type BotConfig, type PushInfo, type RbmEvent } from 'rbmkit';
import { bmPayloads, FakeBmApi, post, signedBmRequest } from 'rbmkit/testing';
import { parseBmEvent } from '../../core/events/parse-bm-event.js';
import { conversationKey, dialectOf, eventOf, parseQueueRecord, toQueueRecord } from '../../core/queue/queue-record.js';
import { QueueRun, TOKEN } from './queue-kit.js';

const BM_TOKEN = 'BMQUEUETOKEN0001';
const AGENT = 'brands/cafe/agents/front';
const OWN_AGENT = 'brands/cafe/agents/own';

const record = (event: RbmEvent, data: Record<string, unknown>) => parseQueueRecord(Buffer.from(JSON.stringify(toQueueRecord(event, data))));

describe('Business Messages queue records', () => {
  const push: PushInfo = { attributes: {}, webhook: '/bm', receivedAt: 1_700_000_000_000 };

  it('a BM event comes back from its record exactly as ingress parsed it, marked as BM', () => {
    const body = bmPayloads.text({ agent: AGENT, conversationId: 'C1', text: 'hi', messageId: 'M1' });
    const event = parseBmEvent(body, push)!;
    const queued = record(event, body);
    expect(dialectOf(queued)).to.equal('business-messages');
    expect(eventOf(queued)).to.deep.equal(event);
    expect(conversationKey(event)).to.equal(`${AGENT}\u0000C1`);
  });

  it("an agent webhook's own agent fills in a body that names none, as ingress does", () => {
    const { agent: _agent, ...body } = bmPayloads.typing({ conversationId: 'C2' });
    const event = { ...parseBmEvent(body, push)!, agentId: OWN_AGENT };
    expect(eventOf(record(event, body))).to.deep.equal(event);
  });

  it('an RBM record carries no dialect', () => {
    const event = { type: 'text', agentId: 'a@rbm.goog', phone: '+1', text: 'x', id: 'M', raw: {}, push } as RbmEvent;
    expect(toQueueRecord(event, {})).to.not.have.property('dialect');
  });

  it('refuses a record with another dialect, or BM data without a conversationId, naming what it expected', () => {
    const bytes = (value: object) => Buffer.from(JSON.stringify({ v: 1, agentId: AGENT, data: { conversationId: 'C' }, push, publishedAt: 1, ...value }));
    expect(() => parseQueueRecord(bytes({ dialect: 'sms' }))).to.throw('expected a queue record\'s "dialect" to be "business-messages" or absent, got "sms"');
    expect(() => parseQueueRecord(bytes({ dialect: 'business-messages', data: {} }))).to.throw(/non-empty "conversationId", got none/);
  });
});

describe('Business Messages in queue mode (NATS JetStream, in-process workers)', function () {
  this.timeout(60_000);
  const run = new QueueRun();
  let api: FakeBmApi;
  let url = '';
  const handled: RbmEvent[] = [];
  let healed = false;

  // Texts steer it: "slow…" waits 300 ms, "failall…" fails until healed; every text is answered.
  const replier = definePlugin({
    name: 'replier',
    setup: (agent) =>
      void agent.on('text', async (event, ctx) => {
        if (event.text.startsWith('slow')) await new Promise((resolve) => setTimeout(resolve, 300));
        if (event.text.startsWith('failall') && !healed) throw new Error('planned failure, until healed');
        handled.push(event);
        await ctx.reply(`re: ${event.text}`);
      }),
  });

  const config = (): BotConfig => ({
    logger: false,
    partner: { clientToken: TOKEN, plugins: [replier] },
    businessMessages: { clientToken: BM_TOKEN, client: new BmClient({ baseUrl: api.url, auth: staticToken('test'), backoff: { baseMs: 5, maxMs: 50 } }) },
    agents: {
      [OWN_AGENT]: {
        webhook: { path: '/own', clientToken: BM_TOKEN, dialect: 'business-messages', client: new BmClient({ baseUrl: api.url, auth: staticToken('own'), backoff: { baseMs: 5, maxMs: 50 } }) },
      },
    },
    queue: run.queue(),
    queueRetry: { attempts: 2, backoffMs: 50, maxBackoffMs: 100 },
  });

  const sendBm = (body: object, path = '/bm') => post(`${url}${path}`, signedBmRequest(body, { token: BM_TOKEN }));
  const until = <T>(what: () => T | Promise<T>, ok: (value: T) => boolean) => run.until(async () => what(), ok);

  before(async () => {
    api = await FakeBmApi.start();
    const ingress = createBot(config());
    run.bots.push(ingress);
    ({ url } = await ingress.listen(0, '127.0.0.1'));
    // Two workers, so order per conversation is the broker's doing, not one consumer's.
    for (let i = 0; i < 2; i += 1) {
      const worker: Bot = createBot(config());
      run.bots.push(worker);
      await worker.work();
    }
  });
  beforeEach(() => void (handled.length = 0));
  after(async () => {
    await run.cleanUp();
    await api.close();
  });

  it('answers a BM body 200 queued; a worker rebuilds the event and replies through the BM webhook\'s client', async () => {
    const conversationId = randomUUID();
    const body = bmPayloads.text({ agent: AGENT, conversationId, text: 'hello', messageId: 'Q-1' });
    const answer = await sendBm(body);
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'queued' });
    await until(() => api.texts(), (texts) => texts.includes('re: hello'));
    const sent = api.messages.find((message) => message.body.text === 're: hello')!;
    expect(sent.conversationId).to.equal(conversationId);
    expect(api.requests.find((request) => request.method === 'POST')!.headers.authorization).to.equal('Bearer test');
    const event = handled[0]!;
    expect(event).to.include({ type: 'text', dialect: 'business-messages', agentId: AGENT, conversationId, phone: conversationId, id: 'Q-1', requestId: body.requestId });
    expect(event.raw).to.deep.equal(body);
    expect(event.context).to.deep.equal(body.context);
    expect(event.push.webhook).to.equal('/bm');
  });

  it("an agent's own BM webhook: the event is the agent's and answers through that webhook's client", async () => {
    const conversationId = randomUUID();
    const { agent: _agent, ...body } = bmPayloads.text({ conversationId, text: 'own' });
    expect((await sendBm(body, '/own')).body).to.deep.equal({ status: 'queued' });
    await until(() => api.texts(), (texts) => texts.includes('re: own'));
    expect(handled[0]).to.include({ agentId: OWN_AGENT, conversationId });
    const posted = api.requests.filter((request) => request.method === 'POST' && request.path === `/v1/conversations/${conversationId}/messages`);
    expect(posted.map((request) => request.headers.authorization)).to.deep.equal(['Bearer own']);
  });

  it('two messages of one conversation are handled and answered in order', async () => {
    const conversationId = randomUUID();
    for (const text of ['slow first', 'second']) {
      expect((await sendBm(bmPayloads.text({ agent: AGENT, conversationId, text }))).status).to.equal(200);
    }
    const ours = () => api.messages.filter((message) => message.conversationId === conversationId).map((message) => message.body.text);
    expect(await until(ours, (texts) => texts.length >= 2)).to.deep.equal(['re: slow first', 're: second']);
    expect(handled.map((event) => (event.type === 'text' ? event.text : event.type))).to.deep.equal(['slow first', 'second']);
  });

  it('a BM event whose plugin always fails goes to the dead-letter queue; a replay completes it', async () => {
    const conversationId = randomUUID();
    healed = false;
    expect((await sendBm(bmPayloads.text({ agent: AGENT, conversationId, text: 'failall 1' }))).status).to.equal(200);
    const deadLetters = run.queues[0]!.deadLetters;
    const [letter] = await until(() => deadLetters.list(), (list) => list.length >= 1);
    if (letter?.kind !== 'event') throw new Error(`expected an event dead letter, got ${JSON.stringify(letter)}`);
    expect(dialectOf(letter.record)).to.equal('business-messages');
    expect(letter.record).to.include({ agentId: AGENT });
    expect(letter.record.data.conversationId).to.equal(conversationId);
    expect(letter.reason).to.match(/replier failed 2 attempts/);
    healed = true;
    expect(await deadLetters.replay(letter.id)).to.equal(true);
    await until(() => api.texts(), (texts) => texts.includes('re: failall 1'));
    expect(handled[0]).to.include({ dialect: 'business-messages', conversationId });
    expect(await deadLetters.list()).to.deep.equal([]);
  });
});
