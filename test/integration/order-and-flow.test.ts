import { expect } from 'chai';
import { definePlugin } from 'rbmkit';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'FLOWTOKEN0000001';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('order and flow', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it('handles one conversation\'s events one at a time in arrival order, other conversations concurrently', async () => {
    const log: string[] = [];
    let running = 0;
    let maxRunningPerUser = 0;
    const perUser = new Map<string, number>();
    const slow = definePlugin({
      name: 'slow',
      setup: (a) =>
        void a.on('text', async (e) => {
          running += 1;
          perUser.set(e.phone, (perUser.get(e.phone) ?? 0) + 1);
          maxRunningPerUser = Math.max(maxRunningPerUser, perUser.get(e.phone)!);
          log.push(`start ${e.phone} ${e.text}`);
          // The first message is the slowest: without ordering the later ones would overtake it.
          await sleep(e.text === '1' ? 120 : 20);
          log.push(`end ${e.phone} ${e.text}`);
          perUser.set(e.phone, perUser.get(e.phone)! - 1);
          running -= 1;
        }),
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [slow] } });
    const alice = '+15550000001';
    const bob = '+15550000002';
    const pushes = [];
    for (const text of ['1', '2', '3']) {
      pushes.push(t.push(payloads.text({ text, phone: alice })));
      pushes.push(t.push(payloads.text({ text, phone: bob })));
      await sleep(5);
    }
    const answers = await Promise.all(pushes);
    expect(answers.every((a) => a.status === 200)).to.equal(true);
    const of = (phone: string) => log.filter((line) => line.includes(phone)).map((line) => line.split(' ').filter((_, i) => i !== 1).join(' '));
    expect(of(alice)).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(of(bob)).to.deep.equal(['start 1', 'end 1', 'start 2', 'end 2', 'start 3', 'end 3']);
    expect(maxRunningPerUser).to.equal(1);
    // Alice and Bob overlapped: both first messages started before either ended.
    expect(log.indexOf(`start ${bob} 1`)).to.be.lessThan(log.indexOf(`end ${alice} 1`));
  });

  it('refuses pushes past maxInFlight with 503 and Retry-After instead of queueing them, then recovers', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = definePlugin({ name: 'held', setup: (a) => void a.on('text', () => gate) });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [held] }, maxInFlight: 2 });
    const first = t.push(payloads.text({ text: 'a', phone: '+15550000011' }));
    const second = t.push(payloads.text({ text: 'b', phone: '+15550000012' }));
    await sleep(50);
    const third = await t.push(payloads.text({ text: 'c', phone: '+15550000013' }));
    expect(third.status).to.equal(503);
    expect(third.body).to.deep.equal({ error: 'overloaded', message: 'too many events in flight; expected a redelivery later' });
    expect(third.headers.get('retry-after')).to.equal('5');
    release();
    expect((await first).status).to.equal(200);
    expect((await second).status).to.equal(200);
    expect((await t.push(payloads.text({ text: 'd', phone: '+15550000013' }))).status).to.equal(200);
    expect(t.bot.stats().overloaded).to.equal(1);
  });

  it('a plugin rerun after a failure reuses its reply ids, so a reply that reached Google is not sent twice', async () => {
    let runs = 0;
    const replyThenFail = definePlugin({
      name: 'reply-then-fail',
      setup: (a) =>
        void a.on('text', async (e, ctx) => {
          runs += 1;
          await ctx.reply(`got ${e.text}`);
          if (runs === 1) throw new Error('failed after replying');
          await ctx.reply('and done');
        }),
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [replyThenFail] } }, { fakeApi: true });
    const payload = payloads.text({ text: 'x', messageId: 'SAME-EVENT' });
    expect((await t.push(payload)).status).to.equal(500);
    expect((await t.push(payload)).status).to.equal(200);
    const sends = t.api!.requests.filter((r) => r.path.endsWith('/agentMessages'));
    expect(sends).to.have.length(3);
    expect(sends[0]!.query.messageId).to.equal(sends[1]!.query.messageId);
    expect(t.texts()).to.deep.equal(['got x', 'and done']);

    // A different event gets different ids.
    await t.push(payloads.text({ text: 'y', messageId: 'OTHER-EVENT' }));
    expect(t.texts()).to.deep.equal(['got x', 'and done', 'got y', 'and done']);
  });
});
