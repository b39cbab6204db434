// The Business Messages dialect (Google's retired Business Messages API) over real HTTP: a BM webhook beside the RBM one,
// raw-body signatures, dedupe, and first-party plugins answering BM users through a real
// BmClient to the fake BM API, which checks each request as Google did.
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { BmClient, ConfigError, createBot, definePlugin, MemoryRbmClient, NatsQueue, staticToken, type RbmEvent } from 'rbmkit';
import { echo, keywords, logging } from 'rbmkit/plugins';
import { bmPayloads, FakeBmApi, payloads, signedBmRequest, startTestBot, type TestBot } from 'rbmkit/testing';

const RBM_TOKEN = 'RBMTOKEN00000001';
const BM_TOKEN = 'BMCLIENTTOKEN001';
const PARTNER_KEY = 'BMPARTNERKEY0001';
const AGENT = 'brands/cafe/agents/front';
const CONV = '5d1c7a0e-9f4b-4c1e-8a2d-3b6f0e9c1d2a';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const seen: RbmEvent[] = [];
const recorder = definePlugin({ name: 'recorder', setup: (agent) => void agent.on('any', (event) => void seen.push(event)) });
const typist = definePlugin({
  name: 'typist',
  setup: (agent) =>
    void agent.on('text', async (event, ctx) => {
      if (event.text === 'type') await ctx.typing();
    }),
});

async function bmBot(plugins: unknown[], extra: Record<string, unknown> = {}): Promise<TestBot> {
  return startTestBot(
    {
      partner: { clientToken: RBM_TOKEN, plugins: plugins as never },
      businessMessages: { clientToken: [BM_TOKEN, PARTNER_KEY] },
      ...extra,
    },
    { fakeBmApi: true },
  );
}

describe('Business Messages dialect', () => {
  let t: TestBot | undefined;
  beforeEach(() => void (seen.length = 0));
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('echo marks a BM text read (receipt PATCH) and answers it (POST with a UUID messageId and a BOT representative)', async () => {
    t = await bmBot([echo]);
    const answer = await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'Hello, BM', messageId: 'MSG-1' }));
    expect(answer.status).to.equal(200);
    expect(answer.failures).to.deep.equal([]);
    const api = t.bmApi!;
    expect(api.requests.map((r) => [r.method, r.path, r.status])).to.deep.equal([
      ['PATCH', `/v1/conversations/${CONV}/messages/MSG-1/receipt`, 200],
      ['POST', `/v1/conversations/${CONV}/messages`, 200],
    ]);
    expect(api.receipts).to.deep.equal([{ conversationId: CONV, messageId: 'MSG-1', receiptType: 'READ' }]);
    const sent = api.messages[0]!.body;
    expect(sent).to.have.keys('messageId', 'representative', 'text');
    expect(sent.messageId).to.match(UUID);
    expect(sent.representative).to.deep.equal({ representativeType: 'BOT' });
    expect(sent.text).to.equal('Hello, BM');
    expect(api.requests[1]!.headers.authorization).to.equal('Bearer test-bm-token');
    expect(t.client.sent).to.deep.equal([], 'nothing went through the bot\'s RBM client');
    // The BM webhook's client is counted in the metrics like any other.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).to.include('rbmkit_rbm_api_calls_total{method="PATCH",status="200"} 1');
    expect(metrics).to.include('rbmkit_rbm_api_calls_total{method="POST",status="200"} 1');
  });

  it('RBM and BM side by side: an RBM push answers through the bot\'s client, a BM body through the BM webhook\'s', async () => {
    t = await bmBot([echo.with({ markRead: false })]);
    expect(t.bot.webhooks()).to.deep.equal(['/webhook', '/bm']);
    await t.push(payloads.text({ text: 'rbm hi', phone: '+15550001111' }));
    await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'bm hi' }));
    expect(t.client.texts()).to.deep.equal(['rbm hi']);
    expect(t.bmApi!.texts()).to.deep.equal(['bm hi']);
  });

  it('keywords answers a BM user, with chips as BM reply suggestions; a chip tap is routed too', async () => {
    const routes = [
      { match: 'menu', reply: 'Coffee or tea?', chips: ['Coffee', 'Tea'] },
      { match: 'coffee', reply: 'One coffee coming' },
    ];
    t = await bmBot([keywords.with({ routes })]);
    await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'Menu' }));
    await t.pushBm(bmPayloads.suggestion({ agent: AGENT, conversationId: CONV, postbackData: 'Coffee', text: 'Coffee' }));
    const bodies = t.bmApi!.messages.map((m) => m.body);
    expect(bodies[0]).to.deep.include({
      text: 'Coffee or tea?',
      suggestions: [{ reply: { text: 'Coffee', postbackData: 'Coffee' } }, { reply: { text: 'Tea', postbackData: 'Tea' } }],
    });
    expect(bodies[1]).to.deep.include({ text: 'One coffee coming', representative: { representativeType: 'BOT' } });
  });

  it('logging writes one line per BM event, the conversation id masked', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
        done();
      },
    });
    t = await bmBot([logging.with({ logger: pino({ level: 'info' }, stream) }), echo]);
    await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'log me', messageId: 'MSG-L' }));
    const line = lines.find((l) => l.msg === 'text handled');
    expect(line).to.include({ agentId: AGENT, kind: 'text', eventId: 'MSG-L', outcome: 'handled', attempt: 1 });
    expect(line!.phone).to.equal(`${CONV.slice(0, 4)}${'*'.repeat(CONV.length - 6)}${CONV.slice(-2)}`);
    expect(JSON.stringify(lines)).not.to.include(CONV);
    expect(t.bmApi!.texts()).to.deep.equal(['log me']);
  });

  it('ctx.typing() on a BM event posts TYPING_STARTED with the representative and a UUID eventId', async () => {
    t = await bmBot([typist]);
    await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'type' }));
    const request = t.bmApi!.requests[0]!;
    expect([request.method, request.path]).to.deep.equal(['POST', `/v1/conversations/${CONV}/events`]);
    expect(request.query.eventId).to.match(UUID);
    expect(request.body).to.deep.equal({ eventType: 'TYPING_STARTED', representative: { representativeType: 'BOT' } });
    expect(t.bmApi!.events).to.have.length(1);
  });

  it('verifies over the raw bytes: a body with its own whitespace and key order verifies; its re-serialisation does not', async () => {
    t = await bmBot([recorder]);
    const raw = `{ "message" : {"text":"spaced",  "messageId":"MSG-R"},\n  "conversationId":"${CONV}", "requestId":"REQ-R", "agent":"${AGENT}" }`;
    expect(JSON.stringify(JSON.parse(raw))).not.to.equal(raw);
    const ok = await t.pushBm(raw);
    expect(ok.status).to.equal(200);
    expect(seen.map((e) => [e.type, e.id])).to.deep.equal([['text', 'MSG-R']]);
    // The signature of the spaced bytes on the compact re-serialisation of the same JSON: refused.
    const { headers } = signedBmRequest(raw, { token: BM_TOKEN });
    const moved = await t.postRaw('/bm', JSON.stringify(JSON.parse(raw)), headers);
    expect(moved.status).to.equal(401);
    expect(moved.body).to.deep.include({ error: 'bad_signature' });
  });

  it('accepts either configured key (the webhook clientToken or the partner key)', async () => {
    t = await bmBot([recorder]);
    expect((await t.pushBm(bmPayloads.text({ agent: AGENT, text: 'a' }), { token: BM_TOKEN })).status).to.equal(200);
    expect((await t.pushBm(bmPayloads.text({ agent: AGENT, text: 'b' }), { token: PARTNER_KEY })).status).to.equal(200);
    expect(seen).to.have.length(2);
  });

  it('refuses unsigned and forged BM bodies with 401 JSON; nothing is dispatched, and the server keeps serving', async () => {
    t = await bmBot([recorder, echo]);
    const body = JSON.stringify(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'forged' }));
    const unsigned = await t.postRaw('/bm', body);
    expect(unsigned.status).to.equal(401);
    expect(unsigned.body).to.have.keys('error', 'message');
    expect(unsigned.body).to.deep.include({ error: 'missing_signature' });
    expect((unsigned.body as { message: string }).message).to.match(/raw request body/);
    const forged = await t.postRaw('/bm', body, signedBmRequest(body, { token: 'NOT-THE-TOKEN' }).headers);
    expect(forged.status).to.equal(401);
    expect(forged.body).to.deep.include({ error: 'bad_signature' });
    // An RBM-style envelope signature (over something else) does not verify a BM body either.
    const garbage = await t.pushBm(body, { signature: 'A'.repeat(86) + '==' });
    expect(garbage.status).to.equal(401);
    expect(seen).to.deep.equal([]);
    expect(t.bmApi!.requests).to.deep.equal([]);
    expect((await t.pushBm(JSON.parse(body))).status).to.equal(200);
  });

  it('under signaturePolicy "acknowledge", a forged BM body is answered 200 and dropped, never dispatched', async () => {
    t = await bmBot([recorder], { signaturePolicy: 'acknowledge' });
    const forged = await t.pushBm(bmPayloads.text({ agent: AGENT, text: 'forged' }), { token: 'NOT-THE-TOKEN' });
    expect(forged.status).to.equal(200);
    expect(forged.body).to.deep.equal({ status: 'dropped', reason: 'bad_signature' });
    expect(seen).to.deep.equal([]);
    expect(t.bot.stats()).to.deep.include({ rejected: 1 });
  });

  it('answers 400 JSON for a BM body that is no handshake nor event, and for bad JSON', async () => {
    t = await bmBot([recorder]);
    const odd = await t.pushBm({ hello: 'world' });
    expect(odd.status).to.equal(400);
    expect(odd.body).to.deep.include({ error: 'bad_body' });
    const bad = await t.postRaw('/bm', '{"conversationId": ', { 'content-type': 'application/json' });
    expect(bad.status).to.equal(400);
    expect(bad.body).to.deep.include({ error: 'bad_json' });
    const noAgent = await t.pushBm({ conversationId: CONV, requestId: 'R', message: { text: 'x' } });
    expect(noAgent.status).to.equal(400);
    expect(noAgent.body).to.deep.include({ error: 'missing_agent_id' });
  });

  it('answers the handshake on a BM webhook with the bare secret, and refuses a wrong token without echoing it', async () => {
    t = await bmBot([recorder]);
    const ok = await t.postRaw('/bm', JSON.stringify({ clientToken: BM_TOKEN, secret: '1234567890' }));
    expect(ok.status).to.equal(200);
    expect(ok.headers.get('content-type')).to.match(/^text\/plain/);
    expect(ok.body).to.equal('1234567890');
    const wrong = await t.postRaw('/bm', JSON.stringify({ clientToken: 'WRONG', secret: '1234567890' }));
    expect(wrong.status).to.equal(401);
    expect(JSON.stringify(wrong.body)).not.to.include('1234567890');
    // A handshake mixed into an event is an event: its secret is never echoed.
    const mixed = await t.postRaw('/bm', JSON.stringify({ clientToken: BM_TOKEN, secret: '1234567890', conversationId: CONV, agent: AGENT }));
    expect(mixed.status).to.equal(401);
    expect(mixed.body).to.deep.include({ error: 'missing_signature' });
  });

  it('dedupes on message.messageId (a redelivery with another requestId), else on requestId', async () => {
    t = await bmBot([recorder, echo.with({ markRead: false })]);
    const first = bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'once', messageId: 'MSG-D', requestId: 'REQ-1' });
    expect((await t.pushBm(first)).status).to.equal(200);
    expect((await t.pushBm({ ...first, requestId: 'REQ-2' })).status).to.equal(200);
    const tap = bmPayloads.suggestion({ agent: AGENT, conversationId: CONV, postbackData: 'tap', requestId: 'REQ-T' });
    await t.pushBm(tap);
    await t.pushBm(tap);
    expect(t.bmApi!.texts()).to.deep.equal(['once', 'tap']);
    expect(seen.map((e) => e.id)).to.deep.equal(['MSG-D', 'REQ-T']);
  });

  it('an agent\'s own BM webhook: its events carry its id, another agent\'s body is refused 403', async () => {
    const memory = new MemoryRbmClient();
    t = await startTestBot({
      agents: { [AGENT]: { webhook: { path: '/front', clientToken: BM_TOKEN, dialect: 'business-messages', client: memory }, plugins: [recorder, echo] } },
    });
    const ok = await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'own hook', messageId: 'M-O' }), { token: BM_TOKEN, path: '/front' });
    expect(ok.status).to.equal(200);
    expect(memory.texts()).to.deep.equal(['own hook']);
    const other = await t.pushBm(bmPayloads.text({ agent: 'brands/x/agents/y', text: 'not mine' }), { token: BM_TOKEN, path: '/front' });
    expect(other.status).to.equal(403);
    expect(other.body).to.deep.include({ error: 'agent_mismatch' });
  });

  it('an agent\'s BM body at another agent\'s webhook is kept as undeliverable under undeliverablePolicy "deadLetter"', async () => {
    t = await startTestBot({
      agents: { [AGENT]: { webhook: { path: '/front', clientToken: BM_TOKEN, dialect: 'business-messages', client: new MemoryRbmClient() }, plugins: [recorder] } },
      undeliverablePolicy: 'deadLetter',
    });
    const other = await t.pushBm(bmPayloads.text({ agent: 'brands/x/agents/y', text: 'not mine' }), { token: BM_TOKEN, path: '/front' });
    expect(other.status).to.equal(200);
    expect(other.body).to.deep.include({ status: 'undeliverable', reason: 'agent_mismatch' });
    const letters = await t.bot.deadLetters().list();
    expect(letters).to.have.length(1);
    expect(letters[0]).to.deep.include({ kind: 'push' });
    expect(JSON.stringify(letters[0])).to.include('not mine');
    expect(seen).to.deep.equal([]);
  });

  it('a BM body at the BM partner webhook for an agent with its own BM webhook is misrouted: handled, notified, 403 when strict', async () => {
    const notices: string[] = [];
    const watcher = definePlugin({ name: 'watcher', setup: (agent) => void agent.on('misrouted', (n) => void notices.push(`${n.agentId} ${n.webhook}→${n.expectedWebhook} ${n.status}`)) });
    const config = {
      businessMessages: { path: '/bm', clientToken: BM_TOKEN, client: new MemoryRbmClient() },
      agents: { [AGENT]: { webhook: { path: '/front', clientToken: 'FRONTTOKEN000001', dialect: 'business-messages' as const }, plugins: [recorder, watcher] } },
    };
    t = await startTestBot(config);
    const answer = await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'wrong door', messageId: 'M-W' }), { token: BM_TOKEN, path: '/bm' });
    expect(answer.status).to.equal(200);
    expect(seen.map((e) => e.type === 'text' && e.text)).to.deep.equal(['wrong door']);
    expect(notices).to.deep.equal([`${AGENT} /bm→/front 200`]);
    await t.close();
    seen.length = 0;
    notices.length = 0;
    t = await startTestBot({ ...config, strictWebhooks: true });
    const strict = await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'wrong door', messageId: 'M-S' }), { token: BM_TOKEN, path: '/bm' });
    expect(strict.status).to.equal(403);
    expect(strict.body).to.deep.include({ error: 'misrouted' });
    expect(seen).to.deep.equal([]);
    expect(notices).to.deep.equal([`${AGENT} /bm→/front 403`]);
  });

  it('an agent\'s own client wins over the BM webhook\'s client, which wins over the bot\'s', async () => {
    const own = new MemoryRbmClient();
    const hooked = new MemoryRbmClient();
    const bots = new MemoryRbmClient();
    t = await startTestBot({
      partner: { clientToken: RBM_TOKEN, plugins: [echo] },
      businessMessages: { clientToken: BM_TOKEN, client: hooked },
      agents: { [AGENT]: { client: own } },
      client: bots,
    });
    await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'to my own', messageId: 'P-1' }), { token: BM_TOKEN });
    await t.pushBm(bmPayloads.text({ agent: 'brands/cafe/agents/back', conversationId: CONV, text: 'to the hook', messageId: 'P-2' }), { token: BM_TOKEN });
    await t.push(payloads.text({ agentId: 'shop@rbm.goog', text: 'to the bot' }), { token: RBM_TOKEN });
    expect(own.texts()).to.deep.equal(['to my own']);
    expect(hooked.texts()).to.deep.equal(['to the hook']);
    expect(bots.texts()).to.deep.equal(['to the bot']);
  });

  it('a reply to a conversation BM no longer knows (404) fails the plugin, and raises no unreachable notice (it has no phone)', async () => {
    const api = await FakeBmApi.start({ conversations: ['some-other-conversation'] });
    const heard: unknown[] = [];
    const listener = definePlugin({ name: 'listener', setup: (agent) => void agent.on('unreachable', (n) => void heard.push(n)) });
    const replier = definePlugin({ name: 'replier', setup: (agent) => void agent.on('text', (event, ctx) => ctx.reply(event.text)) });
    try {
      t = await startTestBot({
        partner: { clientToken: RBM_TOKEN, plugins: [replier, listener] },
        businessMessages: { clientToken: BM_TOKEN, client: new BmClient({ baseUrl: api.url, auth: staticToken('test') }) },
      });
      const answer = await t.pushBm(bmPayloads.text({ agent: AGENT, conversationId: CONV, text: 'gone?', messageId: 'G-1' }), { token: BM_TOKEN });
      expect(answer.failures.map((f) => f.plugin)).to.deep.equal(['replier']);
      expect(api.requests.map((r) => [r.method, r.status])).to.deep.equal([['POST', 404]]);
      expect(heard).to.deep.equal([]);
    } finally {
      await api.close();
    }
  });

  it('accepts BM webhooks in queue mode, at start and added at run time (their events are queued as RBM ones are)', () => {
    const queue = new NatsQueue({ url: 'nats://127.0.0.1:1' });
    const bot = createBot({ logger: false, queue, partner: { clientToken: RBM_TOKEN }, businessMessages: { clientToken: BM_TOKEN } });
    bot.agents.set(AGENT, { webhook: { path: '/front', clientToken: BM_TOKEN, dialect: 'business-messages' } });
    expect(bot.webhooks()).to.include.members(['/webhook', '/front']);
  });
});
