// The flows plugin over real HTTP: only the user's texts and taps move a flow; cancel, stop,
// timeouts, starting over and switching flows; at most one answer per event; state in Redis
// that a second bot (nothing in memory) and queue workers carry on.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect } from 'chai';
import { MemorySessionStore, RedisDedupeStore, RedisSessionStore, type BotConfig, type PluginSpec } from 'rbmkit';
import { defineFlow, echo, flows, flowsPlugin, invalid, keywords } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { deleteKeysUnder } from '../helpers/redis-keys.js';

const TOKEN = 'FLOWSTOKEN000001';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const finished: Array<Record<string, unknown>> = [];
const pizza = defineFlow('pizza', { start: { words: ['pizza'], postback: 'PIZZA' }, cancelled: 'No pizza then.' })
  .choose('size', 'Which size?', ['Small', 'Large'])
  .ask('count', (v) => `How many ${v.size.toLowerCase()} pizzas?`, (text) => {
    const n = Number(text);
    return Number.isInteger(n) && n >= 1 && n <= 9 ? n : invalid('A number from 1 to 9, please.');
  })
  .ask('note', 'Anything for the kitchen?', undefined, { when: (v) => v.count > 2 })
  .done(async (v, ctx) => {
    finished.push(v);
    await ctx.reply(`${v.count} x ${v.size}${v.note === undefined ? '' : ` (${v.note})`}: ordered.`);
  });
const survey = defineFlow('survey', { start: { words: ['survey'] } })
  .choose('rating', 'How was it?', ['Good', 'Bad'])
  .done((v, ctx) => ctx.reply(`Thanks: ${v.rating}`));

const plugins = (extra: PluginSpec[] = []): PluginSpec[] => [
  flows.with({ flows: [pizza, survey], switched: 'Leaving the other one.' }),
  keywords.with({ routes: [{ match: 'menu', reply: 'Menu: pizza' }] }),
  ...extra,
  echo.with({ markRead: false }),
];

describe('flows', function () {
  this.timeout(20_000);
  let t: TestBot;
  const start = async (config: Partial<BotConfig> = {}) => (t = await startTestBot({ partner: { clientToken: TOKEN, plugins: plugins() }, ...config }));
  beforeEach(() => void (finished.length = 0));
  afterEach(() => t?.close());

  it('walks the steps in order; a validator refuses and re-asks; a skipped step leaves its answer undefined', async () => {
    await start();
    const user = t.conversation('+15550000001');
    expect(await user.say('Pizza!')).to.deep.include({ text: 'Which size?', chips: ['Small', 'Large'] });
    expect((await user.tap('Large')).text).to.equal('How many large pizzas?');
    expect((await user.say('lots')).text).to.equal('A number from 1 to 9, please.');
    expect((await user.say('2')).text).to.equal('2 x Large: ordered.');
    expect(finished).to.deep.equal([{ size: 'Large', count: 2 }]);
    // The conversation is free again: echo answers, keywords routes.
    expect((await user.say('hello')).texts).to.deep.equal(['hello']);
    expect((await user.say('menu')).texts).to.deep.equal(['Menu: pizza']);
  });

  it('a flow in progress claims the answer: a keyword typed as an answer is the answer, not a route', async () => {
    await start();
    const user = t.conversation('+15550000002');
    await user.say('pizza');
    await user.say('small');
    await user.say('3');
    expect((await user.say('menu')).texts).to.deep.equal(['3 x Small (menu): ordered.']);
  });

  it('receipts, typing and chip taps of an earlier step never move it', async () => {
    await start();
    const user = t.conversation('+15550000003');
    await user.say('pizza');
    for (const eventType of ['DELIVERED', 'READ', 'IS_TYPING'] as const) expect((await user.event(eventType)).messages).to.deep.equal([]);
    expect((await user.tap('Small')).text).to.equal('How many small pizzas?');
    for (const eventType of ['DELIVERED', 'READ', 'IS_TYPING'] as const) expect((await user.event(eventType)).messages).to.deep.equal([]);
    // "Large" of the first question, tapped now: no answer to this one, which is asked again.
    expect((await user.tap('Large')).text).to.equal('How many small pizzas?');
    expect((await user.say('1')).text).to.equal('1 x Small: ordered.');
  });

  it('a redelivered answer is answered once and moves the flow once', async () => {
    await start();
    const user = t.conversation('+15550000004');
    await user.say('pizza');
    const tap = payloads.suggestion({ phone: user.phone, postbackData: 'flow:pizza:size:0', text: 'Small' });
    expect((await user.send(tap)).texts).to.deep.equal(['How many small pizzas?']);
    const again = await user.send(tap);
    expect(again.messages).to.deep.equal([]);
    expect(again.body).to.deep.equal({ status: 'duplicate' });
    expect((await user.say('1')).text).to.equal('1 x Small: ordered.');
  });

  it('cancel ends the flow with a word; STOP ends it silently and reaches opt-out handling', async () => {
    await start();
    const user = t.conversation('+15550000005');
    await user.say('pizza');
    expect((await user.say('cancel')).texts).to.deep.equal(['No pizza then.']);
    expect((await user.say('Small')).texts).to.deep.equal(['Small']);
    await user.say('pizza');
    expect((await user.say('STOP')).texts).to.deep.equal(['You are unsubscribed and will get no more messages. Send START to subscribe again.']);
    expect((await user.say('Small')).texts).to.deep.equal(['Small']);
  });

  it('past its timeout the flow has ended: the late answer hears so, and is not taken as an answer', async () => {
    const quick = defineFlow('quick', { start: { words: ['quick'] }, timeoutMs: 150, timedOut: 'Too late: send QUICK again.' })
      .choose('pick', 'A or B?', ['A', 'B'])
      .done((v, ctx) => ctx.reply(`Picked ${v.pick}`));
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [flows.with({ flows: [quick] }), echo.with({ markRead: false })] } });
    const user = t.conversation('+15550000006');
    await user.say('quick');
    await sleep(250);
    expect((await user.say('A')).texts).to.deep.equal(['Too late: send QUICK again.']);
    expect((await user.say('A')).texts).to.deep.equal(['A']);
    // In time, it goes through.
    await user.say('quick');
    expect((await user.say('B')).texts).to.deep.equal(['Picked B']);
  });

  it("starting over, and starting another flow while one is open (the open one ends, as the option says)", async () => {
    await start();
    const user = t.conversation('+15550000007');
    await user.say('pizza');
    await user.tap('Large');
    expect((await user.say('pizza')).texts).to.deep.equal(['Which size?']);
    expect((await user.say('survey')).texts).to.deep.equal(['Leaving the other one.', 'How was it?']);
    expect((await user.tap('Good')).texts).to.deep.equal(['Thanks: Good']);
    expect((await user.say('2')).texts).to.deep.equal(['2']);
  });

  it('gives up after maxRetries refused answers in a row', async () => {
    const strict = defineFlow('strict', { start: { words: ['go'] }, maxRetries: 1, gaveUp: 'Giving up.' })
      .choose('yes', 'Yes?', ['Yes'])
      .done(() => undefined);
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [flows.with({ flows: [strict] }), echo.with({ markRead: false })] } });
    const user = t.conversation('+15550000008');
    await user.say('go');
    expect((await user.say('no')).texts).to.deep.equal(['Please choose one of: Yes.']);
    expect((await user.say('no')).texts).to.deep.equal(['Giving up.']);
    expect((await user.say('no')).texts).to.deep.equal(['no']);
  });

  it('a stored step the flow no longer has (its code changed) starts the flow afresh', async () => {
    // An older version of the pizza flow, with a step "crust" that is gone now, left its record.
    const sessions = new MemorySessionStore();
    const legacy = flowsPlugin('flows', {
      flows: [defineFlow('pizza', { start: { words: ['pizza'] } }).choose('crust', 'Crust?', ['Thin']).done(() => undefined)],
    });
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [legacy] }, sessions });
    expect((await t.conversation('+15550000009').say('pizza')).text).to.equal('Crust?');
    await t.close();
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: plugins() }, sessions });
    const user = t.conversation('+15550000009');
    expect((await user.say('Thin')).texts).to.deep.equal(['Which size?']);
    expect((await user.tap('Small')).text).to.equal('How many small pizzas?');
  });

  it('a location step takes a shared location; a text is asked again, and a location does not answer a chip question', async () => {
    const delivery = defineFlow('delivery', { start: { words: ['deliver'] } })
      .location('where', 'Where to?', { chip: 'Send my location' })
      .choose('speed', 'How fast?', ['Now', 'Later'])
      .done((v, ctx) => ctx.reply(`${v.speed} to ${v.where.latitude.toFixed(2)}, ${v.where.longitude.toFixed(2)}`));
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [flows.with({ flows: [delivery] }), echo.with({ markRead: false })] } });
    const user = t.conversation('+15550000010');
    const asked = await user.say('deliver');
    expect(asked).to.deep.include({ text: 'Where to?', chips: ['Send my location'] });
    expect(asked.messages[0]!.contentMessage.suggestions![0]).to.have.nested.property('action.shareLocationAction');
    expect((await user.say('home')).text).to.equal('Please share your location: tap "Send my location".');
    expect((await user.send(payloads.location({ phone: user.phone, latitude: 48.8584, longitude: 2.2945 }))).text).to.equal('How fast?');
    expect((await user.send(payloads.location({ phone: user.phone, latitude: 1, longitude: 2 }))).text).to.equal('Please choose one of: Now, Later.');
    expect((await user.tap('Now')).text).to.equal('Now to 48.86, 2.29');
    // With no flow open, a location is not the flow's: echo describes it.
    expect((await user.send(payloads.location({ phone: user.phone, latitude: 1, longitude: 2 }))).texts).to.deep.equal(['You are at 1.00000, 2.00000']);
  });

  it('after a timeout STOP still reaches opt-out handling; the share-location tap itself moves nothing; an own chip reading "End" is an answer', async () => {
    const quick = defineFlow('quick', { start: { words: ['quick'] }, timeoutMs: 100, timedOut: 'Too late.' })
      .choose('pick', 'Stay or end?', ['Stay', 'End'])
      .location('where', 'Where?')
      .done((v, ctx) => ctx.reply(`${v.pick} at ${v.where.latitude}`));
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [flows.with({ flows: [quick] }), keywords, echo.with({ markRead: false })] } });
    const user = t.conversation('+15550000011');
    await user.say('quick');
    await sleep(200);
    expect((await user.say('STOP')).texts).to.deep.equal(['You are unsubscribed and will get no more messages. Send START to subscribe again.']);
    await user.say('quick');
    expect((await user.tap('End')).text).to.equal('Where?');
    // Tapping "Share location" sends a suggestion event first; the location follows.
    expect((await user.tap('Share location')).messages).to.deep.equal([]);
    expect((await user.send(payloads.location({ phone: user.phone, latitude: 3, longitude: 4 }))).text).to.equal('End at 3');
  });

  it('refuses a malformed flow when it is defined, saying what was expected', () => {
    expect(() => defineFlow('')).to.throw(TypeError, 'defineFlow: expected a non-empty flow name, e.g. "booking"');
    expect(() => defineFlow('f').choose('a', 'A?', ['x']).choose('a' as never, 'B?', ['y'])).to.throw(TypeError, 'defineFlow(f).a: the key "a" is used twice; expected one step per key');
    expect(() => defineFlow('f').choose('a', 'A?', ['a chip far longer than RBM allows'])).to.throw(TypeError, /1 to 25 characters/);
    expect(() => defineFlow('f').choose('a', 'A?', ['Yes', 'yes!'])).to.throw(TypeError, /read alike/);
    expect(() => defineFlow('f').say('hi').done()).to.throw(TypeError, 'defineFlow(f): expected at least one question (choose, ask or location) before done()');
    const one = defineFlow('same').ask('a', 'A?').done();
    expect(() => flowsPlugin('x', { flows: [one, one] })).to.throw(/the flow name "same" is used twice/);
  });
});

describe('flows with Redis (127.0.0.1:6379)', function () {
  this.timeout(20_000);
  const prefix = `rbmkit-test-flows-${randomUUID().slice(0, 8)}:`;
  const stores = () => ({
    sessions: new RedisSessionStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `${prefix}session:` }),
    dedupe: new RedisDedupeStore({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `${prefix}dedupe:`, allowVolatile: true }),
  });
  const bots: TestBot[] = [];
  const bot = async (config: Partial<BotConfig> = {}) => {
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: plugins() }, ...stores(), ...config });
    bots.push(t);
    return t;
  };
  after(async () => {
    for (const t of bots) await t.close().catch(() => undefined);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await deleteKeysUnder(redis, prefix);
    redis.disconnect();
  });

  it('a bot started afresh (nothing in memory) goes on at the same step', async () => {
    const first = await bot();
    await first.conversation('+15550001001').say('pizza');
    await first.conversation('+15550001001').tap('Large');
    await first.close();
    const second = await bot();
    const user = second.conversation('+15550001001');
    expect((await user.say('4')).text).to.equal('Anything for the kitchen?');
    expect((await user.say('extra basil')).text).to.equal('4 x Large (extra basil): ordered.');
  });

  it('an answer redelivered to a process whose dedupe store forgot it moves nothing: the record knows the event', async () => {
    const sessions = stores().sessions;
    const a = await bot({ sessions });
    const user = a.conversation('+15550001002');
    await user.say('pizza');
    const tap = payloads.suggestion({ phone: user.phone, postbackData: 'flow:pizza:size:1', text: 'Large' });
    expect((await user.send(tap)).texts).to.deep.equal(['How many large pizzas?']);
    // Another process, its own (empty) in-memory dedupe store, the same sessions.
    const b = await startTestBot({ partner: { clientToken: TOKEN, plugins: plugins() }, sessions: stores().sessions });
    bots.push(b);
    const redelivered = await b.conversation(user.phone).send(tap);
    expect(redelivered.status).to.equal(200);
    expect(redelivered.messages).to.deep.equal([]);
    expect((await b.conversation(user.phone).say('1')).text).to.equal('1 x Large: ordered.');
  });

  it('to a process whose dedupe store forgot: the final answer, a cancel, and an older answer after a newer one move nothing', async () => {
    const sessions = stores().sessions;
    const a = await bot({ sessions });
    const forgetful = async () => {
      const b = await startTestBot({ partner: { clientToken: TOKEN, plugins: plugins() }, sessions: stores().sessions });
      bots.push(b);
      return b;
    };
    const user = a.conversation('+15550001003');
    await user.say('pizza');
    const large = payloads.suggestion({ phone: user.phone, postbackData: 'flow:pizza:size:1', text: 'Large' });
    await user.send(large);
    const two = payloads.text({ phone: user.phone, text: '2' });
    expect((await user.send(two)).text).to.equal('2 x Large: ordered.');
    // The order is complete: its last answer and an older one, redelivered elsewhere, are not echoed or answered.
    const b = await forgetful();
    expect((await b.conversation(user.phone).send(two)).messages).to.deep.equal([]);
    expect((await b.conversation(user.phone).send(large)).messages).to.deep.equal([]);
    // A cancel, redelivered, is not taken by keywords as an opt-out either.
    await user.say('pizza');
    const cancel = payloads.text({ phone: user.phone, text: 'cancel' });
    expect((await user.send(cancel)).texts).to.deep.equal(['No pizza then.']);
    const c = await forgetful();
    expect((await c.conversation(user.phone).send(cancel)).messages).to.deep.equal([]);
  });
});
