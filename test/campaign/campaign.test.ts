// Campaigns against the fake RBM API on loopback: capability checks, paced sends, the fallback,
// opt-outs, the send window, pause and stop, and a second run that resumes.
import { expect } from 'chai';
import pino from 'pino';
import { createBot, HttpRbmClient, MemorySessionStore, noAuth, type Bot, type CampaignProgress, type FallbackRequest, type Recipient } from 'rbmkit';
import { keywords } from 'rbmkit/plugins';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
import { OptOutList } from '../../core/campaign/opt-outs.js';
import { Campaign, campaignMessageId } from '../../core/campaign/run-campaign.js';

const AGENT = 'shop@rbm.goog';
const TOKEN = 'SJENCPGJESMGUFPY';
const MESSAGE = { contentMessage: { text: 'Hi {{name}}, 20% off today' }, messageTrafficType: 'PROMOTION' } as const;

/** `count` numbers, +1555000xxxx, named by their index. */
function recipients(count: number, from = 0): Recipient[] {
  return Array.from({ length: count }, (_, i) => ({ phone: `+1555${String(from + i).padStart(7, '0')}`, vars: { name: `n${from + i}` } }));
}

describe('campaigns (fake RBM API on loopback)', function () {
  this.timeout(60_000);
  let api: FakeRbmApi;
  let bot: Bot;
  let sessions: MemorySessionStore;
  let url: string;

  beforeEach(async () => {
    api = await FakeRbmApi.start();
    sessions = new MemorySessionStore();
    bot = createBot({
      logger: false,
      sessions,
      partner: { path: '/webhook', clientToken: TOKEN, plugins: [keywords.with({ routes: [] })] },
      client: new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), maxAttempts: 4 }),
    });
    ({ url } = await bot.listen(0, '127.0.0.1'));
  });
  afterEach(async () => {
    await bot.close();
    await api.close();
  });

  it('sends to 10,000 numbers once each: 10% without RBM to the fallback, 1% of sends answered 503 and retried', async () => {
    const list = recipients(10_000);
    list.forEach((recipient, i) => i % 10 === 3 && api.unreachable.add(recipient.phone));
    // One send in a hundred meets a 503 first; the client retries it under the same messageId.
    let received = 0;
    api.onReceive(() => (received += 1) % 100 === 0 && api.failNext(1, 503));
    const fallbacks: FallbackRequest[] = [];
    const progress: CampaignProgress[] = [];
    const campaign = bot.campaign({ id: 'ten-thousand', agentId: AGENT, recipients: list, message: MESSAGE, fallback: (request) => void fallbacks.push(request), concurrency: 16 });
    campaign.on('progress', (p) => progress.push(p));
    const report = await campaign.done;

    expect(report.progress).to.deep.include({ state: 'done', total: 10_000, sent: 9_000, fallback: 1_000, unreachable: 0, failed: 0, skipped: 0, remaining: 0 });
    expect(api.messages).to.have.length(9_000);
    expect(new Set(api.messages.map((m) => m.phone)).size).to.equal(9_000);
    expect(api.messages.every((m) => m.messageId === campaignMessageId(AGENT, 'ten-thousand', m.phone))).to.equal(true);
    expect(api.messages.find((m) => m.phone === '+15550000042')?.message.contentMessage.text).to.equal('Hi n42, 20% off today');
    expect(fallbacks).to.have.length(1_000);
    expect(fallbacks[0]).to.deep.include({ reason: 'no_rbm', campaignId: 'ten-thousand', idempotencyKey: 'ten-thousand:+15550000003' });
    expect(report.recipients).to.have.length(10_000);
    expect(progress.at(-1)?.state).to.equal('done');
    expect(progress.some((p) => p.state === 'sending' && p.remaining > 0)).to.equal(true);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).to.include('rbmkit_campaign_recipients_total{agent="shop@rbm.goog",outcome="sent"} 9000');
    expect(metrics).to.include('rbmkit_campaign_recipients_total{agent="shop@rbm.goog",outcome="fallback"} 1000');
    expect(metrics).to.include('rbmkit_campaign_remaining{agent="shop@rbm.goog"} 0');
  });

  it('a second run with the same id sends nothing twice and skips no one', async () => {
    const list = recipients(300);
    const first = bot.campaign({ id: 'resume-me', agentId: AGENT, recipients: list, message: MESSAGE, concurrency: 4 });
    first.on('recipient', () => api.messages.length >= 100 && void first.stop());
    const stopped = await first.done;
    expect(stopped.progress.state).to.equal('stopped');
    const sentFirst = stopped.progress.sent;
    expect(sentFirst).to.be.within(100, 110);

    const second = await bot.campaign({ id: 'resume-me', agentId: AGENT, recipients: list, message: MESSAGE }).done;
    expect(second.progress).to.deep.include({ state: 'done', sent: 300, remaining: 0 });
    expect(api.messages).to.have.length(300);
    expect(new Set(api.messages.map((m) => m.phone)).size).to.equal(300);
    // The first run's lines are in the second run's report too.
    expect(second.recipients.filter((line) => line.outcome === 'sent')).to.have.length(300);
  });

  it('sent but not recorded (the store failed): the campaign fails, and the run after resends under the same id, which Google drops', async () => {
    const list = recipients(50);
    const victim = list[20]!.phone;
    let refuse = true;
    const flaky: MemorySessionStore = Object.assign(Object.create(sessions) as MemorySessionStore, {
      set: (key: string, value: unknown, ttlMs: number) => {
        if (refuse && key.endsWith(victim)) return Promise.reject(new Error('the store is down'));
        return sessions.set(key, value, ttlMs);
      },
    });
    const run = (store: MemorySessionStore) =>
      new Campaign({ id: 'lost-record', agentId: AGENT, recipients: list, message: MESSAGE, concurrency: 4 }, { client: bot.client, store, optOuts: new OptOutList(store).forAgent(AGENT), log: pino({ level: 'silent' }) });
    const first = run(flaky);
    await first.done.then(
      () => expect.fail('expected the campaign to fail with the store'),
      (error: Error) => expect(error.message).to.equal('the store is down'),
    );
    expect(api.messages.some((m) => m.phone === victim)).to.equal(true);
    const sentFirst = api.messages.length;
    // Nothing starts once a record failed: only the 4 in flight at most finish.
    expect(sentFirst).to.be.below(26);
    refuse = false;
    const second = await run(flaky).done;
    expect(second.progress).to.deep.include({ state: 'done', sent: 50 });
    expect(api.messages).to.have.length(50);
    expect(sendsAnswered200(api) - api.messages.length).to.equal(1);
  });

  it('skips a number that sent STOP to the agent, and writes to it again once it sent START', async () => {
    const list = recipients(5);
    const stopper = list[2]!.phone;
    const say = (text: string) => post(`${url}/webhook`, signedPush(payloads.text({ agentId: AGENT, phone: stopper, text }), { token: TOKEN }));
    expect((await say('STOP')).status).to.equal(200);
    const first = await bot.campaign({ id: 'opt-out-1', agentId: AGENT, recipients: list, message: MESSAGE }).done;
    expect(first.progress).to.deep.include({ sent: 4, skipped: 1 });
    expect(first.recipients.find((line) => line.phone === stopper)).to.deep.include({ outcome: 'skipped', reason: 'opted_out' });
    expect(api.messages.filter((m) => m.phone === stopper && m.message.contentMessage.text?.startsWith('Hi'))).to.deep.equal([]);

    expect((await say('START')).status).to.equal(200);
    const second = await bot.campaign({ id: 'opt-out-2', agentId: AGENT, recipients: list, message: MESSAGE }).done;
    expect(second.progress).to.deep.include({ sent: 5, skipped: 0 });
  });

  it('lists numbers without RBM as unreachable when there is no fallback, and a number listed twice once', async () => {
    const list = recipients(4);
    api.unreachable.add(list[0]!.phone);
    const report = await bot.campaign({ id: 'no-fallback', agentId: AGENT, recipients: [...list, list[1]!], message: MESSAGE }).done;
    expect(report.progress).to.deep.include({ total: 5, sent: 3, unreachable: 1, skipped: 1 });
    expect(report.recipients.find((line) => line.phone === list[0]!.phone)).to.deep.include({ outcome: 'unreachable', reason: 'no_rbm' });
    // The number listed twice: its own line says sent, and the repeat has a line of its own.
    expect(report.recipients.filter((line) => line.phone === list[1]!.phone).map((line) => line.outcome)).to.deep.equal(['sent', 'skipped']);
    expect(report.recipients).to.have.length(5);
  });

  it('keeps two agents\' campaigns of the same id apart: each sends, each under its own messageIds', async () => {
    const list = recipients(3);
    const shop = await bot.campaign({ id: 'promo', agentId: AGENT, recipients: list, message: MESSAGE }).done;
    const cafe = await bot.campaign({ id: 'promo', agentId: 'cafe@rbm.goog', recipients: list, message: MESSAGE }).done;
    expect([shop.progress.sent, cafe.progress.sent]).to.deep.equal([3, 3]);
    expect(api.messages).to.have.length(6);
    expect(new Set(api.messages.map((m) => m.messageId)).size).to.equal(6);
  });

  it('refuses bad options, naming each', () => {
    expect(() => bot.campaign({ id: 'has space', agentId: '', recipients: [{ phone: '555' }], message: {} as never, concurrency: 0 })).to.throw(
      /bot\.campaign\(\): id: expected 1-100 letters.*agentId: expected the agent.*recipients: expected E\.164 numbers such as \+15555550100; 1 are not.*message: expected an AgentMessage.*concurrency: expected a whole number/,
    );
  });

  describe('send window, pause and stop (a clock of the test\'s own)', () => {
    const at = (hhmm: string) => Date.parse(`2026-06-01T${hhmm}:00Z`);

    function campaignWith(id: string, list: Recipient[], now: () => number, store = sessions) {
      return new Campaign(
        { id, agentId: AGENT, recipients: list, message: MESSAGE, window: { start: '09:00', end: '20:00', timeZone: 'UTC' }, concurrency: 4, progressMs: 20 },
        { client: bot.client, store, optOuts: new OptOutList(store).forAgent(AGENT), log: pino({ level: 'silent' }), now },
      );
    }

    it('waits when the window closes mid-run, until it opens; a run in the window sends the rest', async () => {
      const list = recipients(200);
      // Inside the window until 60 messages went out, then 20:30.
      const first = campaignWith('window', list, () => (api.messages.length < 60 ? at('10:00') : at('20:30')));
      const waiting = new Promise<CampaignProgress>((resolve) => first.on('progress', (p) => p.state === 'waiting' && resolve(p)));
      const seen = await waiting;
      expect(seen.resumesAt).to.equal('2026-06-02T09:00:00.000Z');
      // The sends already past the window check when it closed finish (4 at once at most).
      await new Promise((resolve) => setTimeout(resolve, 100));
      const sentWhenClosed = api.messages.length;
      expect(sentWhenClosed).to.be.within(60, 64);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(api.messages).to.have.length(sentWhenClosed);
      await first.stop();
      expect((await first.done).progress.state).to.equal('stopped');

      const second = await campaignWith('window', list, () => at('09:30')).done;
      expect(second.progress).to.deep.include({ state: 'done', sent: 200 });
      expect(api.messages).to.have.length(200);
    });

    it('pauses and resumes, from here or through the store as another process would', async () => {
      const list = recipients(120);
      const campaign = campaignWith('pausing', list, () => at('12:00'));
      await new Promise<void>((resolve) => campaign.on('recipient', () => api.messages.length >= 20 && resolve()));
      await campaign.pause();
      await new Promise<void>((resolve) => campaign.on('progress', (p) => p.state === 'paused' && resolve()));
      const held = api.messages.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(api.messages).to.have.length(held);
      // Another process resumes it: the control key goes from the store.
      await sessions.delete('rbmkit:campaign:shop@rbm.goog:pausing:control');
      expect((await campaign.done).progress).to.deep.include({ state: 'done', sent: 120 });
    });
  });
});


/** Sends the fake answered 200, a copy under a messageId it had seen included (Google drops those silently). */
function sendsAnswered200(api: FakeRbmApi): number {
  return api.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/agentMessages') && request.status === 200).length;
}
