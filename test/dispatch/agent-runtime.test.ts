import { expect } from 'chai';
import { definePlugin, MemoryRbmClient, type Agent } from 'rbmkit';
import { AgentRuntime } from '../../core/dispatch/agent-runtime.js';
import { AGENT, recordingLog, runtimeOf, silentLog } from './dispatch-kit.js';

/** The names of the handlers in `groups`: each handler is tagged by the test that made it. */
const named = (groups: ReturnType<AgentRuntime['handlersFor']>) => groups.map((g) => ({ key: g.key, handlers: g.handlers.map((h) => String(h(undefined, undefined as never))) }));
const tag = (name: string) => () => name;

describe('AgentRuntime', () => {
  it('sets every plugin up once, lazily, with its agent and options; ready() then allocates nothing', async () => {
    const setups: Array<{ plugin: string; id: string; scope: string; options: unknown }> = [];
    const plugin = (name: string) => definePlugin<{ n: number }>({ name, setup: (a, options) => void setups.push({ plugin: name, id: a.id, scope: a.scope, options }) });
    const runtime = runtimeOf([plugin('a').with({ n: 1 }), plugin('b').with({ n: 2 })]);
    expect(setups).to.deep.equal([]);
    expect((await runtime.ready()).size).to.equal(0);
    await runtime.ready();
    expect(setups).to.deep.equal([
      { plugin: 'a', id: AGENT, scope: 'agent', options: { n: 1 } },
      { plugin: 'b', id: AGENT, scope: 'agent', options: { n: 2 } },
    ]);
    expect(runtime.ready()).to.equal(runtime.ready());
  });

  it('gives each runtime its own plugin instances, so state never leaks across agents', async () => {
    const counter = definePlugin({
      name: 'counter',
      setup(a) {
        let count = 0;
        a.on('text', () => `${a.id}:${(count += 1)}`);
      },
    });
    const one = runtimeOf([counter.with({})], { id: 'one@rbm.goog' });
    const two = runtimeOf([counter.with({})], { id: 'two@rbm.goog' });
    await Promise.all([one.ready(), two.ready()]);
    const call = (r: AgentRuntime) => r.handlersFor('text')[0]!.handlers[0]!(undefined, undefined as never);
    expect([call(one), call(one), call(two)]).to.deep.equal(['one@rbm.goog:1', 'one@rbm.goog:2', 'two@rbm.goog:1']);
  });

  it('groups handlers by plugin in plugin order; in a plugin: the event\'s own name, then its umbrella, then any', async () => {
    const runtime = runtimeOf([
      definePlugin({ name: 'first', setup: (a) => void a.on('any', tag('first any')).on('message', tag('first message')).on('text', tag('first text')).on('text', tag('first text 2')) }).with({}),
      definePlugin({ name: 'quiet', setup: (a) => void a.on('read', tag('quiet read')) }).with({}),
      definePlugin({ name: 'second', setup: (a) => void a.on('text', tag('second text')).on('failed', tag('second failed')) }).with({}),
    ]);
    await runtime.ready();
    expect(named(runtime.handlersFor('text'))).to.deep.equal([
      { key: 'first', handlers: ['first text', 'first text 2', 'first message', 'first any'] },
      { key: 'second', handlers: ['second text'] },
    ]);
    expect(named(runtime.handlersFor('read'))).to.deep.equal([
      { key: 'first', handlers: ['first any'] },
      { key: 'quiet', handlers: ['quiet read'] },
    ]);
    // Notices are not events: `any` does not hear them.
    expect(named(runtime.handlersFor('failed'))).to.deep.equal([{ key: 'second', handlers: ['second failed'] }]);
    expect(runtime.handlersFor('rejected')).to.deep.equal([]);
  });

  it('keeps two plugins apart when they subscribe the very same function', async () => {
    const shared = () => 'shared';
    const runtime = runtimeOf(['a', 'b'].map((name) => definePlugin({ name, setup: (a) => void a.on('text', shared) }).with({})));
    await runtime.ready();
    expect(named(runtime.handlersFor('text'))).to.deep.equal([
      { key: 'a', handlers: ['shared'] },
      { key: 'b', handlers: ['shared'] },
    ]);
  });

  it('caches handlersFor, and a subscription made later (outside setup) invalidates the cache', async () => {
    let agent!: Agent;
    const runtime = runtimeOf([definePlugin({ name: 'late', setup: (a) => void (agent = a).on('text', tag('early')) }).with({})]);
    await runtime.ready();
    const before = runtime.handlersFor('text');
    expect(runtime.handlersFor('text')).to.equal(before);
    agent.on('message', tag('late'));
    const after = runtime.handlersFor('text');
    expect(after).not.to.equal(before);
    expect(named(after)).to.deep.equal([{ key: 'late', handlers: ['early', 'late'] }]);
  });

  it('refuses an unknown event name (listing the valid ones) and a handler that is not a function', async () => {
    const errors: unknown[] = [];
    const runtime = runtimeOf([
      definePlugin({
        name: 'wrong',
        setup(a) {
          for (const attempt of [() => a.on('txet' as never, () => undefined), () => a.on('text', 'reply' as never)]) {
            try {
              attempt();
            } catch (error) {
              errors.push(error);
            }
          }
        },
      }).with({}),
    ]);
    await runtime.ready();
    expect(errors).to.have.length(2);
    expect(errors[0]).to.be.instanceOf(TypeError);
    expect((errors[0] as Error).message).to.match(/^unknown event name "txet"; expected one of: text, suggestion, .*message, userEvent, serverEvent, any/);
    expect(errors[1]).to.be.instanceOf(TypeError);
    expect((errors[1] as Error).message).to.equal('agent.on("text"): expected a handler function');
  });

  it('reports a failed setup by plugin key, drops what it subscribed, sets the rest up, and retries it on the next ready()', async () => {
    let attempts = 0;
    const failure = new Error('no database yet');
    const flaky = definePlugin({
      name: 'flaky',
      setup(a) {
        attempts += 1;
        a.on('text', tag(`flaky text ${attempts}`));
        if (attempts === 1) throw failure;
      },
    });
    let steadySetups = 0;
    const steady = definePlugin({ name: 'steady', setup: (a) => void ((steadySetups += 1), a.on('text', tag('steady text'))) });
    const { log, lines } = recordingLog();
    const runtime = runtimeOf([flaky.with({}, 'flaky-db'), steady.with({})], { log });

    const first = await runtime.ready();
    expect([...first]).to.deep.equal([['flaky-db', failure]]);
    expect(named(runtime.handlersFor('text'))).to.deep.equal([{ key: 'steady', handlers: ['steady text'] }]);
    expect(lines.filter((l) => l.msg === 'plugin setup failed; it will be tried again on the next event').map((l) => l.plugin)).to.deep.equal(['flaky-db']);

    const second = await runtime.ready();
    expect(second.size).to.equal(0);
    expect(attempts).to.equal(2);
    expect(steadySetups).to.equal(1);
    expect(named(runtime.handlersFor('text'))).to.deep.equal([
      { key: 'flaky-db', handlers: ['flaky text 2'] },
      { key: 'steady', handlers: ['steady text'] },
    ]);
  });

  it('runs one setup at a time even when events arrive together', async () => {
    let running = 0;
    let most = 0;
    const slow = definePlugin({
      name: 'slow',
      async setup() {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
      },
    });
    let setups = 0;
    const counted = definePlugin({ name: 'counted', setup: () => void (setups += 1) });
    const runtime = runtimeOf([slow.with({}), counted.with({})]);
    await Promise.all([runtime.ready(), runtime.ready(), runtime.ready()]);
    expect(most).to.equal(1);
    expect(setups).to.equal(1);
  });

  it('tears plugins down in reverse order, each isolated, once, and drops every subscription', async () => {
    const order: string[] = [];
    const plugin = (name: string, teardown: () => void) => definePlugin({ name, setup: (a) => (a.on('text', tag(name)), teardown) }).with({});
    const { log, lines } = recordingLog();
    const runtime = runtimeOf(
      [
        plugin('a', () => void order.push('a')),
        plugin('b', () => {
          order.push('b');
          throw new Error('b could not let go');
        }),
        plugin('c', () => void order.push('c')),
        definePlugin({ name: 'never-set-up', setup: () => Promise.reject(new Error('down')) }).with({}),
      ],
      { log },
    );
    await runtime.ready();
    expect(runtime.handlersFor('text')).to.have.length(3);
    await runtime.close();
    await runtime.close();
    expect(order).to.deep.equal(['c', 'b', 'a']);
    expect(lines.filter((l) => l.msg === 'plugin teardown failed').map((l) => [l.plugin, (l.err as { message: string }).message])).to.deep.equal([['b', 'b could not let go']]);
    expect(runtime.handlersFor('text')).to.deep.equal([]);
  });

  it('waits for a setup in progress before tearing down', async () => {
    const order: string[] = [];
    const slow = definePlugin({
      name: 'slow',
      async setup() {
        await new Promise((resolve) => setTimeout(resolve, 10));
        order.push('set up');
        return () => void order.push('torn down');
      },
    });
    const runtime = new AgentRuntime(AGENT, 'agent', [slow.with({})], { client: new MemoryRbmClient(), log: silentLog() });
    const ready = runtime.ready();
    await runtime.close();
    await ready;
    expect(order).to.deep.equal(['set up', 'torn down']);
  });
});
