import { expect } from 'chai';
import {
  definePlugin,
  HandlerTimeoutError,
  MemoryDedupeStore,
  PermanentError,
  PluginError,
  type DedupeStore,
  type FailedNotice,
  type HandlerContext,
  type RejectedNotice,
  type SettledNotice,
} from 'rbmkit';
import { payloads } from 'rbmkit/testing';
import { SharedDeadlines, TIMED_OUT } from '../../core/dispatch/deadline.js';
import { dedupeKey } from '../../core/dispatch/dedupe-key.js';
import { BotMetrics } from '../../core/ops/metrics.js';
import { Telemetry } from '../../core/ops/telemetry.js';
import { AGENT, ALICE, BOB, dispatcherOf, eventOf, gate, recordingLog, runtimeOf, sleep } from './dispatch-kit.js';

const text = (body: string, extra: { phone?: string; messageId?: string } = {}) => eventOf(payloads.text({ text: body, agentId: AGENT, ...extra }));

/** A plugin that records `name:text` for every text, and may fail or wait. */
function worker(name: string, act: (event: { text: string }, ctx: HandlerContext) => unknown = () => undefined) {
  const calls: string[] = [];
  const plugin = definePlugin({
    name,
    setup: (a) =>
      void a.on('text', (event, ctx) => {
        calls.push(`${name}:${event.text}`);
        return act(event, ctx);
      }),
  });
  return { plugin, calls };
}

/** A plugin that keeps every `failed` and `settled` notice. */
function watcher() {
  const failed: FailedNotice[] = [];
  const settled: SettledNotice[] = [];
  const plugin = definePlugin({ name: 'watcher', setup: (a) => void a.on('failed', (n) => void failed.push(n)).on('settled', (n) => void settled.push(n)) });
  return { plugin, failed, settled };
}

describe('Dispatcher', () => {
  describe('running the plugins', () => {
    it('awaits every handler before answering handled', async () => {
      let finished = false;
      const slow = worker('slow', async () => {
        await sleep(20);
        finished = true;
      });
      const { dispatcher } = dispatcherOf();
      const outcome = await dispatcher.deliver(runtimeOf([slow.plugin.with({})]), text('hi'));
      expect(outcome).to.deep.equal({ status: 'handled' });
      expect(finished).to.equal(true);
    });

    it('isolates plugins: one throwing (sync or async) stops no other, and the failures come back as one AggregateError naming them', async () => {
      const syncThrow = worker('sync-throw', () => {
        throw new Error('sync');
      });
      const asyncThrow = worker('async-throw', async () => {
        await sleep(5);
        throw new Error('async');
      });
      const fine = worker('fine');
      const seen = watcher();
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([syncThrow.plugin.with({}), fine.plugin.with({}), asyncThrow.plugin.with({}), seen.plugin.with({})]);
      const event = text('hi');
      const outcome = await dispatcher.deliver(runtime, event);
      expect(outcome).to.deep.equal({ status: 'failed', plugins: ['sync-throw', 'async-throw'] });
      expect([...syncThrow.calls, ...fine.calls, ...asyncThrow.calls]).to.deep.equal(['sync-throw:hi', 'fine:hi', 'async-throw:hi']);
      expect(seen.failed).to.have.length(1);
      const notice = seen.failed[0]!;
      expect(notice).to.include({ type: 'failed', event, permanent: false });
      expect(notice.plugins).to.deep.equal(['sync-throw', 'async-throw']);
      expect(notice.error).to.be.instanceOf(AggregateError);
      expect(notice.error.message).to.equal(`plugins failed on text event "${event.id}": sync-throw, async-throw`);
      expect(notice.error.errors.map((e: PluginError) => [e.constructor, e.plugin, (e.cause as Error).message])).to.deep.equal([
        [PluginError, 'sync-throw', 'sync'],
        [PluginError, 'async-throw', 'async'],
      ]);
    });

    it('logs a failure nobody listens to, at error level (warn when permanent)', async () => {
      const { log, lines } = recordingLog();
      const runtime = runtimeOf([worker('boom', () => Promise.reject(new Error('down'))).plugin.with({})]);
      const { dispatcher } = dispatcherOf({ log });
      await dispatcher.deliver(runtime, text('x'));
      const logged = lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('plugins failed on text event'));
      expect(logged.map((l) => [l.level, l.plugins])).to.deep.equal([[50, ['boom']]]);
      const permanent = runtimeOf([worker('no', () => Promise.reject(new PermanentError('never'))).plugin.with({})]);
      await dispatcher.deliver(permanent, text('y'));
      expect(lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('plugins failed on text event')).map((l) => l.level)).to.deep.equal([50, 40]);
    });

    it('bounds each handler: past the limit it fails with HandlerTimeoutError and its ctx.signal is aborted', async () => {
      let signal: AbortSignal | undefined;
      const stuck = worker('stuck', (_event, ctx) => {
        signal = ctx.signal;
        return new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
      });
      const seen = watcher();
      const { dispatcher } = dispatcherOf({ handlerTimeoutMs: 30 });
      const outcome = await dispatcher.deliver(runtimeOf([stuck.plugin.with({}), seen.plugin.with({})]), text('hi'));
      expect(outcome).to.deep.equal({ status: 'failed', plugins: ['stuck'] });
      const cause = (seen.failed[0]!.error.errors[0] as PluginError).cause;
      expect(cause).to.be.instanceOf(HandlerTimeoutError);
      expect(signal!.aborted).to.equal(true);
      expect(signal!.reason).to.equal(cause);
    });

    it('keeps handler limits on the deadlines it was given: two dispatchers, two timers', async () => {
      const raced: string[] = [];
      const watched = (name: string) =>
        new (class extends SharedDeadlines {
          override race<T>(pending: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
            raced.push(`${name}:${ms}`);
            return super.race(pending, ms);
          }
        })(5);
      const asyncPlugin = worker('async', async () => undefined).plugin.with({});
      const one = dispatcherOf({ handlerDeadlines: watched('one'), handlerTimeoutMs: 111 });
      const two = dispatcherOf({ handlerDeadlines: watched('two'), handlerTimeoutMs: 222 });
      await one.dispatcher.deliver(runtimeOf([asyncPlugin]), text('a'));
      await two.dispatcher.deliver(runtimeOf([asyncPlugin]), text('b'));
      expect(raced).to.deep.equal(['one:111', 'two:222']);
    });

    it('answers failedPermanently when every failure is permanent, and does not run those plugins again', async () => {
      const refuses = worker('refuses', () => {
        throw new PermanentError('bad input');
      });
      const seen = watcher();
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([refuses.plugin.with({}), seen.plugin.with({})]);
      const event = text('hi', { messageId: 'PERM' });
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'failedPermanently', plugins: ['refuses'] });
      expect(seen.failed[0]!.permanent).to.equal(true);
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'duplicate' });
      expect(refuses.calls).to.deep.equal(['refuses:hi']);
    });

    it('answers failed (retryable) when one failure of several is not permanent', async () => {
      const refuses = worker('refuses', () => {
        throw new PermanentError('bad input');
      });
      const flaky = worker('flaky', () => Promise.reject(new Error('503')));
      const { dispatcher } = dispatcherOf();
      const outcome = await dispatcher.deliver(runtimeOf([refuses.plugin.with({}), flaky.plugin.with({})]), text('hi'));
      expect(outcome).to.deep.equal({ status: 'failed', plugins: ['refuses', 'flaky'] });
    });

    it('delivers under umbrella names in order: the event\'s name, its umbrella, then any', async () => {
      const order: string[] = [];
      const all = definePlugin({
        name: 'all',
        setup: (a) =>
          void a
            .on('any', (e) => void order.push(`any:${e.type}`))
            .on('message', (e) => void order.push(`message:${e.type}`))
            .on('userEvent', (e) => void order.push(`userEvent:${e.type}`))
            .on('text', (e) => void order.push(`text:${e.text}`)),
      });
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([all.with({})]);
      await dispatcher.deliver(runtime, text('hi'));
      await dispatcher.deliver(runtime, eventOf(payloads.userEvent({ eventType: 'READ', agentId: AGENT })));
      expect(order).to.deep.equal(['text:hi', 'message:text', 'any:text', 'userEvent:read', 'any:read']);
    });

    it('answers handled for an event no plugin listens to', async () => {
      const { dispatcher } = dispatcherOf();
      expect(await dispatcher.deliver(runtimeOf([worker('w').plugin.with({})]), eventOf(payloads.agentLaunch({ agentId: AGENT })))).to.deep.equal({ status: 'handled' });
    });

    it('reports a failed setup as that plugin failing, and tries the setup again on the next event', async () => {
      let setups = 0;
      const calls: string[] = [];
      const flaky = definePlugin({
        name: 'flaky',
        setup(a) {
          setups += 1;
          if (setups === 1) throw new Error('not yet');
          a.on('text', (e) => void calls.push(e.text));
        },
      });
      const other = worker('other');
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([flaky.with({}), other.plugin.with({})]);
      expect(await dispatcher.deliver(runtime, text('one'))).to.deep.equal({ status: 'failed', plugins: ['flaky'] });
      expect(other.calls).to.deep.equal(['other:one']);
      expect(await dispatcher.deliver(runtime, text('two'))).to.deep.equal({ status: 'handled' });
      expect(setups).to.equal(2);
      expect(calls).to.deep.equal(['two']);
    });
  });

  describe('redeliveries and duplicates', () => {
    it('reruns only the plugin that failed, tells it which attempt this is, and answers duplicate once all completed', async () => {
      const good = worker('good');
      const attempts: Array<{ attempt: number; redelivery: boolean }> = [];
      const flaky = worker('flaky', (_e, ctx) => {
        attempts.push({ attempt: ctx.delivery.attempt, redelivery: ctx.delivery.redelivery });
        if (attempts.length === 1) throw new Error('downstream 503');
      });
      const { dispatcher, telemetry } = dispatcherOf();
      const runtime = runtimeOf([good.plugin.with({}), flaky.plugin.with({})]);
      const event = text('x', { messageId: 'SAME' });
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'failed', plugins: ['flaky'] });
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'handled' });
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'duplicate' });
      expect(good.calls).to.deep.equal(['good:x']);
      expect(flaky.calls).to.deep.equal(['flaky:x', 'flaky:x']);
      expect(attempts).to.deep.equal([
        { attempt: 1, redelivery: false },
        { attempt: 2, redelivery: true },
      ]);
      expect(telemetry.stats()).to.include({ handled: 1, failed: 1, duplicate: 1, redelivered: 1 });
    });

    it('joins an in-flight duplicate to the first delivery: one run, the second answered duplicate', async () => {
      const held = gate();
      const slow = worker('slow', () => held.promise);
      const { dispatcher, telemetry } = dispatcherOf();
      const runtime = runtimeOf([slow.plugin.with({})]);
      const event = text('x', { messageId: 'TWICE' });
      const first = dispatcher.deliver(runtime, event);
      const second = dispatcher.deliver(runtime, { ...event });
      await sleep(10);
      expect(dispatcher.inFlightCount).to.equal(1);
      held.open();
      expect(await first).to.deep.equal({ status: 'handled' });
      expect(await second).to.deep.equal({ status: 'duplicate' });
      expect(slow.calls).to.deep.equal(['slow:x']);
      expect(telemetry.stats()).to.include({ handled: 1, duplicate: 1 });
    });

    it('runs a redelivery made as soon as the first delivery answered (it is no longer in flight)', async () => {
      let runs = 0;
      const flaky = worker('flaky', () => {
        runs += 1;
        if (runs === 1) throw new Error('once');
      });
      const { dispatcher } = dispatcherOf({ maxInFlight: 1 });
      const runtime = runtimeOf([flaky.plugin.with({})]);
      const event = text('x', { messageId: 'AT-ONCE' });
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'failed', plugins: ['flaky'] });
      expect(dispatcher.inFlightCount).to.equal(0);
      expect(await dispatcher.deliver(runtime, event)).to.deep.equal({ status: 'handled' });
      expect(runs).to.equal(2);
    });

    it('gives a joined duplicate the first delivery\'s failure, so it is redelivered too', async () => {
      const failing = worker('failing', async () => {
        await sleep(10);
        throw new Error('no');
      });
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([failing.plugin.with({})]);
      const event = text('x', { messageId: 'JOINED-FAIL' });
      const outcomes = await Promise.all([dispatcher.deliver(runtime, event), dispatcher.deliver(runtime, event)]);
      expect(outcomes).to.deep.equal([
        { status: 'failed', plugins: ['failing'] },
        { status: 'failed', plugins: ['failing'] },
      ]);
      expect(failing.calls).to.have.length(1);
    });

    it('keeps no finished event joinable, even one that finished at once (in-memory store, synchronous handlers)', async () => {
      const quick = worker('quick');
      const { dispatcher, telemetry } = dispatcherOf();
      const runtime = runtimeOf([quick.plugin.with({})]);
      await runtime.ready();
      for (const id of ['A', 'B', 'C']) expect(await dispatcher.deliver(runtime, text(id, { messageId: id }))).to.deep.equal({ status: 'handled' });
      // Finished events are forgotten at once: a redelivery is answered from the store, not joined.
      expect(dispatcher.joinableCount).to.equal(0);
      expect(await dispatcher.deliver(runtime, text('A', { messageId: 'A' }))).to.deep.equal({ status: 'duplicate' });
      expect(dispatcher.joinableCount).to.equal(0);
      expect(quick.calls).to.deep.equal(['quick:A', 'quick:B', 'quick:C']);
      expect(telemetry.stats()).to.include({ handled: 3, duplicate: 1 });
    });

    it('answers busy, running nothing, when the store says another process holds the event', async () => {
      const store = new MemoryDedupeStore();
      const event = text('x', { messageId: 'ELSEWHERE' });
      await store.claim(dedupeKey(event)!);
      const w = worker('w');
      const { dispatcher, telemetry } = dispatcherOf({ store });
      expect(await dispatcher.deliver(runtimeOf([w.plugin.with({})]), event)).to.deep.equal({ status: 'busy' });
      expect(w.calls).to.deep.equal([]);
      expect(telemetry.stats().duplicate).to.equal(1);
    });

    it('runs every time an event that has no id (it cannot be deduplicated)', async () => {
      const w = worker('w');
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([w.plugin.with({})]);
      const event = { ...text('again'), id: '' };
      expect(dedupeKey(event)).to.equal(undefined);
      await dispatcher.deliver(runtime, event);
      await dispatcher.deliver(runtime, event);
      expect(w.calls).to.deep.equal(['w:again', 'w:again']);
    });
  });

  describe('order and load', () => {
    it('runs one conversation\'s events one at a time in arrival order, and conversations concurrently', async () => {
      const log: string[] = [];
      const holds = new Map<string, ReturnType<typeof gate>>([
        ['a1', gate()],
        ['a2', gate()],
        ['b1', gate()],
      ]);
      const w = worker('w', async (e) => {
        log.push(`start ${e.text}`);
        await holds.get(e.text)!.promise;
        log.push(`end ${e.text}`);
      });
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([w.plugin.with({})]);
      const a1 = dispatcher.deliver(runtime, text('a1', { phone: ALICE }));
      const a2 = dispatcher.deliver(runtime, text('a2', { phone: ALICE }));
      const b1 = dispatcher.deliver(runtime, text('b1', { phone: BOB }));
      await sleep(10);
      expect(log).to.deep.equal(['start a1', 'start b1']);
      holds.get('b1')!.open();
      await b1;
      expect(log).to.deep.equal(['start a1', 'start b1', 'end b1']);
      holds.get('a2')!.open();
      await sleep(10);
      expect(log).not.to.include('start a2');
      holds.get('a1')!.open();
      await Promise.all([a1, a2]);
      expect(log).to.deep.equal(['start a1', 'start b1', 'end b1', 'end a1', 'start a2', 'end a2']);
    });

    it('keeps the order after a failure: the next event of the conversation still runs', async () => {
      const w = worker('w', async (e) => {
        await sleep(5);
        if (e.text === 'first') throw new Error('first fails');
      });
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([w.plugin.with({})]);
      const outcomes = await Promise.all([dispatcher.deliver(runtime, text('first')), dispatcher.deliver(runtime, text('second'))]);
      expect(outcomes.map((o) => o.status)).to.deep.equal(['failed', 'handled']);
      expect(w.calls).to.deep.equal(['w:first', 'w:second']);
    });

    it('refuses events past maxInFlight (overloaded) instead of queueing them, then recovers; drain waits for the rest', async () => {
      const held = gate();
      const w = worker('w', () => held.promise);
      const { dispatcher, telemetry } = dispatcherOf({ maxInFlight: 2 });
      const runtime = runtimeOf([w.plugin.with({})]);
      const first = dispatcher.deliver(runtime, text('1', { phone: '+15550000001' }));
      const second = dispatcher.deliver(runtime, text('2', { phone: '+15550000002' }));
      expect(await dispatcher.deliver(runtime, text('3', { phone: '+15550000003' }))).to.deep.equal({ status: 'overloaded' });
      let drained = false;
      const drain = dispatcher.drain().then(() => (drained = true));
      await sleep(10);
      expect(w.calls).to.deep.equal(['w:1', 'w:2']);
      expect(drained).to.equal(false);
      held.open();
      await drain;
      expect(dispatcher.inFlightCount).to.equal(0);
      expect((await Promise.all([first, second])).map((o) => o.status)).to.deep.equal(['handled', 'handled']);
      expect(await dispatcher.deliver(runtime, text('4', { phone: '+15550000003' }))).to.deep.equal({ status: 'handled' });
      expect(telemetry.stats()).to.include({ overloaded: 1, handled: 3 });
    });
  });

  describe('the dedupe store failing', () => {
    it('answers storeUnavailable and dispatches nothing when the store cannot claim', async () => {
      const down: DedupeStore = {
        claim: () => Promise.reject(new Error('ECONNREFUSED 127.0.0.1:6379')),
        complete: () => Promise.resolve(),
        release: () => Promise.resolve(),
      };
      const w = worker('w');
      const { dispatcher, telemetry } = dispatcherOf({ store: down });
      expect(await dispatcher.deliver(runtimeOf([w.plugin.with({})]), text('x'))).to.deep.equal({ status: 'storeUnavailable', message: 'ECONNREFUSED 127.0.0.1:6379' });
      expect(w.calls).to.deep.equal([]);
      expect(telemetry.stats()).to.include({ handled: 0, failed: 0, duplicate: 0 });
    });

    it('answers storeUnavailable, naming the plugins, when a completion could not be recorded', async () => {
      const memory = new MemoryDedupeStore();
      const forgetful: DedupeStore = {
        claim: (key) => memory.claim(key),
        complete: (key, plugin) => (plugin === 'b' ? Promise.reject(new Error('timeout')) : memory.complete(key, plugin)),
        release: (key) => memory.release(key),
      };
      const { dispatcher } = dispatcherOf({ store: forgetful });
      const runtime = runtimeOf([worker('a').plugin.with({}), worker('b').plugin.with({})]);
      expect(await dispatcher.deliver(runtime, text('x'))).to.deep.equal({
        status: 'storeUnavailable',
        message: 'could not record that plugins b completed; a redelivery may run them again',
      });
    });

    it('still answers when releasing the claim fails, logging that its lease will lapse', async () => {
      const memory = new MemoryDedupeStore();
      const stuck: DedupeStore = { claim: (k) => memory.claim(k), complete: (k, p) => memory.complete(k, p), release: () => Promise.reject(new Error('gone')) };
      const { log, lines } = recordingLog();
      const { dispatcher } = dispatcherOf({ store: stuck, log });
      expect(await dispatcher.deliver(runtimeOf([worker('w').plugin.with({})]), text('x'))).to.deep.equal({ status: 'handled' });
      expect(lines.filter((l) => l.msg === 'releasing an event failed; its lease will lapse').map((l) => l.level)).to.deep.equal([40]);
    });
  });

  describe('notices', () => {
    it('notify hands a notice to its listeners; when nobody listens, `whenNobodyListens` runs instead', async () => {
      const heard: RejectedNotice[] = [];
      const listener = definePlugin({ name: 'listener', setup: (a) => void a.on('rejected', (n) => void heard.push(n)) });
      const notice: RejectedNotice = { type: 'rejected', reason: 'bad_signature', webhook: '/webhook', status: 401, receivedAt: Date.now() };
      const delivery = { eventId: '', attempt: 1, redelivery: false };
      const { dispatcher } = dispatcherOf();
      let nobodyListened = 0;
      await dispatcher.notify(runtimeOf([worker('deaf').plugin.with({})]), notice, undefined, delivery, () => (nobodyListened += 1));
      expect(nobodyListened).to.equal(1);
      await dispatcher.notify(runtimeOf([listener.with({})]), notice, undefined, delivery, () => (nobodyListened += 1));
      expect(nobodyListened).to.equal(1);
      expect(heard).to.deep.equal([notice]);
    });

    it('logs a notice handler\'s own failure and never notifies it again', async () => {
      const { log, lines } = recordingLog();
      let failedNotices = 0;
      const clumsy = definePlugin({
        name: 'clumsy',
        setup: (a) =>
          void a.on('failed', () => {
            failedNotices += 1;
            throw new Error('the notice handler broke');
          }),
      });
      const { dispatcher } = dispatcherOf({ log });
      const runtime = runtimeOf([worker('boom', () => Promise.reject(new Error('x'))).plugin.with({}), clumsy.with({})]);
      expect(await dispatcher.deliver(runtime, text('x'))).to.deep.equal({ status: 'failed', plugins: ['boom'] });
      expect(failedNotices).to.equal(1);
      expect(lines.filter((l) => l.msg === 'a notice handler failed').map((l) => l.notice)).to.deep.equal(['failed']);
    });

    it('settles every delivery that ran plugins with its outcome, failed plugins and attempt', async () => {
      let runs = 0;
      const flaky = worker('flaky', () => {
        runs += 1;
        if (runs === 1) throw new Error('once');
      });
      const seen = watcher();
      const { dispatcher } = dispatcherOf();
      const runtime = runtimeOf([flaky.plugin.with({}), seen.plugin.with({})]);
      const event = text('x', { messageId: 'SETTLE' });
      await dispatcher.deliver(runtime, event);
      await dispatcher.deliver(runtime, event);
      expect(seen.settled.map((n) => ({ outcome: n.outcome, failed: n.failed, attempt: n.attempt, event: n.event }))).to.deep.equal([
        { outcome: 'failed', failed: ['flaky'], attempt: 1, event },
        { outcome: 'handled', failed: [], attempt: 2, event },
      ]);
      for (const n of seen.settled) expect(n.latencyMs).to.be.a('number').and.at.least(0);
    });
  });

  describe('what handlers get', () => {
    it('a rerun sends with the first run\'s ids, so Google drops the copies; sends within a run, plugins and events differ', async () => {
      let runs = 0;
      const twice = worker('twice', async (e, ctx) => {
        runs += 1;
        await ctx.reply(`${e.text} 1`);
        await ctx.typing();
        if (runs === 1) throw new Error('after the sends');
      });
      const other = worker('other', (e, ctx) => ctx.reply(`other ${e.text}`));
      const { dispatcher, client } = dispatcherOf();
      const ids: string[] = [];
      client.onSend((item) => void ids.push(item.id));
      const runtime = runtimeOf([twice.plugin.with({}), other.plugin.with({})], { client });
      const event = text('x', { messageId: 'RERUN' });
      await dispatcher.deliver(runtime, event);
      const firstRun = [...ids];
      expect(new Set(firstRun).size).to.equal(3);
      await dispatcher.deliver(runtime, event);
      expect(runs).to.equal(2);
      // The memory client, as Google, records a reused id once: nothing new was recorded.
      expect(ids).to.deep.equal(firstRun);
      await dispatcher.deliver(runtime, text('x', { messageId: 'ANOTHER' }));
      expect(ids).to.have.length(6);
      expect(ids.slice(3).filter((id) => firstRun.includes(id))).to.deep.equal([]);
    });

    it('markRead marks the user\'s message read, and fails with a TypeError on an event that is no user message', async () => {
      const reader = definePlugin({ name: 'reader', setup: (a) => void a.on('any', (_e, ctx) => ctx.markRead()) });
      const seen = watcher();
      const { dispatcher, client } = dispatcherOf();
      const runtime = runtimeOf([reader.with({}), seen.plugin.with({})], { client });
      expect(await dispatcher.deliver(runtime, text('hi', { messageId: 'TO-READ' }))).to.deep.equal({ status: 'handled' });
      expect(client.sent.map((item) => (item.kind === 'event' ? item.event : undefined))).to.deep.equal([{ eventType: 'READ', messageId: 'TO-READ' }]);
      expect(await dispatcher.deliver(runtime, eventOf(payloads.userEvent({ eventType: 'DELIVERED', agentId: AGENT })))).to.deep.equal({ status: 'failed', plugins: ['reader'] });
      const cause = (seen.failed[0]!.error.errors[0] as PluginError).cause;
      expect(cause).to.be.instanceOf(TypeError);
      expect((cause as Error).message).to.equal('ctx.markRead(): expected a user message with a messageId (text, suggestion, location or file)');
      expect(client.sent).to.have.length(1);
    });

    it('gives each plugin its own session for each conversation of each agent', async () => {
      const counter = (name: string) =>
        definePlugin({
          name,
          setup: (a) =>
            void a.on('text', async (_e, ctx) => {
              const count = ((await ctx.session.get<number>()) ?? 0) + 1;
              await ctx.session.set(count);
              await ctx.reply(`${name} ${a.id} ${ctx.phone} ${count}`);
            }),
        });
      const { dispatcher, client, sessions } = dispatcherOf();
      const shop = runtimeOf([counter('a').with({}), counter('b').with({})], { client });
      const bank = runtimeOf([counter('a').with({})], { client, id: 'bank@rbm.goog' });
      await dispatcher.deliver(shop, text('1', { phone: ALICE }));
      await dispatcher.deliver(shop, text('2', { phone: ALICE }));
      await dispatcher.deliver(shop, text('3', { phone: BOB }));
      await dispatcher.deliver(bank, eventOf(payloads.text({ text: '4', agentId: 'bank@rbm.goog', phone: ALICE })));
      expect(client.texts()).to.deep.equal([
        `a ${AGENT} ${ALICE} 1`,
        `b ${AGENT} ${ALICE} 1`,
        `a ${AGENT} ${ALICE} 2`,
        `b ${AGENT} ${ALICE} 2`,
        `a ${AGENT} ${BOB} 1`,
        `b ${AGENT} ${BOB} 1`,
        `a bank@rbm.goog ${ALICE} 1`,
      ]);
      expect(await sessions.get(`${AGENT}|${ALICE}|b`)).to.equal(2);
    });
  });

  describe('counting', () => {
    it('counts each outcome once, in the stats and in Prometheus, by agent', async () => {
      const metrics = new BotMetrics();
      const telemetry = new Telemetry(metrics);
      let fail = true;
      const w = worker('w', () => {
        if (fail) {
          fail = false;
          throw new Error('once');
        }
      });
      const { dispatcher } = dispatcherOf({ telemetry });
      const runtime = runtimeOf([w.plugin.with({})]);
      const event = text('x', { messageId: 'COUNTED' });
      await dispatcher.deliver(runtime, event);
      await dispatcher.deliver(runtime, event);
      await dispatcher.deliver(runtime, event);
      expect(telemetry.stats()).to.deep.equal({ received: 0, verified: 0, rejected: 0, duplicate: 1, redelivered: 1, handled: 1, failed: 1, overloaded: 0, handshakes: 0, misrouted: 0, undeliverable: 0, deadLettersDropped: 0 });
      const exposition = await metrics.registry.metrics();
      for (const outcome of ['failed', 'handled', 'duplicate']) expect(exposition).to.include(`rbmkit_events_total{agent="${AGENT}",outcome="${outcome}"} 1`);
      expect(exposition).to.include(`rbmkit_handler_duration_seconds_count{agent="${AGENT}",plugin="w",event="text"} 2`);
    });

    it('without metrics, counts the stats and times no handler', async () => {
      const telemetry = new Telemetry();
      expect(telemetry.timesHandlers).to.equal(false);
      const { dispatcher } = dispatcherOf({ telemetry });
      await dispatcher.deliver(runtimeOf([worker('w').plugin.with({})]), text('x'));
      expect(telemetry.stats()).to.include({ handled: 1 });
    });
  });
});
