import { expect } from 'chai';
import { pino } from 'pino';
import { definePlugin, MemoryRbmClient } from 'rbmkit';
import { payloads, startTestBot } from 'rbmkit/testing';
import { AgentRegistry } from '../../core/dispatch/agent-registry.js';
import { BotMetrics } from '../../core/ops/metrics.js';

/** A plugin counting its setups and teardowns. */
function lifecycle() {
  const counts = { setups: 0, teardowns: 0 };
  const plugin = definePlugin({
    name: 'lifecycle',
    setup(agent) {
      counts.setups += 1;
      agent.on('text', () => undefined);
      return () => void (counts.teardowns += 1);
    },
  });
  return { plugin, counts };
}

/** A registry of agents running the lifecycle plugin, idle after 60 s by a clock the test sets (`clock.now`, in ms). */
function clockedRegistry() {
  const { plugin, counts } = lifecycle();
  const clock = { now: 0 };
  const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ level: 'silent' }), idleMs: 60_000, now: () => clock.now });
  registry.configure([plugin], {});
  return { plugin, counts, registry, clock };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('per-agent state is bounded', function () {
  this.timeout(20_000);

  it('past maxRuntimes the least recently used runtime is torn down, and made anew on its next event', async () => {
    const { plugin, counts } = lifecycle();
    const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ level: 'silent' }), maxRuntimes: 3 });
    registry.configure([plugin], { 'kept@rbm.goog': { plugins: [plugin] } });
    for (let i = 0; i < 10; i += 1) await registry.runtime(`a${i}@rbm.goog`).ready();
    expect(registry.runtimeCount).to.equal(3);
    await settle();
    expect(counts.setups).to.equal(10);
    expect(counts.teardowns).to.equal(7);
    // A configured agent keeps its config across eviction.
    await registry.runtime('kept@rbm.goog').ready();
    for (let i = 0; i < 5; i += 1) await registry.runtime(`b${i}@rbm.goog`).ready();
    expect(registry.pluginKeysFor('kept@rbm.goog')).to.deep.equal(['lifecycle']);
    const again = registry.runtime('kept@rbm.goog');
    await again.ready();
    expect(again.handlersFor('text')).to.have.length(1);
    await registry.close();
  });

  it("a runtime idle past idleMs that no sweep dropped yet is its agent's again on its next event: same runtime, no teardown", async () => {
    const { plugin, counts, registry, clock } = clockedRegistry();
    const first = registry.runtime('quiet@rbm.goog');
    await first.ready();
    clock.now = 60_002;
    expect(registry.runtime('quiet@rbm.goog')).to.equal(first);
    await settle();
    expect(counts).to.deep.equal({ setups: 1, teardowns: 0 });
    expect(registry.runtimeCount).to.equal(1);
    // Used again, it is idle from then on: another 60 s and the next sweep drops it.
    clock.now = 120_004;
    registry.runtime('other@rbm.goog');
    await settle();
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('a runtime idle for idleMs is torn down; one in use is kept', async () => {
    const { plugin, counts, registry, clock } = clockedRegistry();
    await registry.runtime('idle@rbm.goog').ready();
    await registry.runtime('busy@rbm.goog').ready();
    clock.now = 50_000;
    registry.runtime('busy@rbm.goog');
    clock.now = 70_000;
    registry.runtime('busy@rbm.goog');
    await settle();
    expect(registry.runtimeCount).to.equal(1);
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('end to end: 50 agents through a bot with maxAgentRuntimes 5 keep 5 runtimes and are all served', async () => {
    const { plugin, counts } = lifecycle();
    const t = await startTestBot({ partner: { clientToken: 'EVICTTOKEN000001', plugins: [plugin] }, maxAgentRuntimes: 5 });
    try {
      for (let i = 0; i < 50; i += 1) expect((await t.push(payloads.text({ text: 'x', agentId: `agent${i}@rbm.goog` }))).status).to.equal(200);
      await settle();
      expect(counts.setups).to.equal(50);
      expect(counts.teardowns).to.equal(45);
    } finally {
      await t.close();
    }
  });

  it('a runtime evicted while an event runs in it is torn down only when that event ends', async () => {
    const { plugin, counts } = lifecycle();
    const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ level: 'silent' }), maxRuntimes: 1 });
    registry.configure([plugin], {});
    const busy = registry.runtime('busy@rbm.goog');
    await busy.ready();
    busy.enter();
    await registry.runtime('other@rbm.goog').ready();
    await settle();
    expect(registry.runtimeCount).to.equal(1);
    expect(counts.teardowns).to.equal(0);
    busy.leave();
    await settle();
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('an event for an evicted agent whose runtime still runs gets that runtime back, not a second one', async () => {
    const { plugin, counts } = lifecycle();
    const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ level: 'silent' }), maxRuntimes: 1 });
    registry.configure([plugin], {});
    const busy = registry.runtime('busy@rbm.goog');
    await busy.ready();
    busy.enter();
    await registry.runtime('other@rbm.goog').ready();
    expect(registry.runtime('busy@rbm.goog')).to.equal(busy);
    busy.leave();
    await settle();
    // Only "other" was torn down (evicted again by busy's return); busy was set up once.
    expect(counts).to.deep.equal({ setups: 2, teardowns: 1 });
    await registry.close();
    expect(counts.teardowns).to.equal(2);
  });

  it('a runtime idle past idleMs while its event still runs: its next event gets it back; torn down once idle that long again', async () => {
    const { plugin, counts, registry, clock } = clockedRegistry();
    const slow = registry.runtime('slow@rbm.goog');
    await slow.ready();
    slow.enter();
    clock.now = 70_000;
    expect(registry.runtime('slow@rbm.goog')).to.equal(slow);
    slow.leave();
    await settle();
    expect(counts).to.deep.equal({ setups: 1, teardowns: 0 });
    // Another agent's event looks for idle runtimes: slow's last use was at 70 s.
    clock.now = 140_000;
    registry.runtime('other@rbm.goog');
    await settle();
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('new partner defaults: a runtime idle past idleMs, still running an event, finishes it and is never handed out again', async () => {
    const { plugin, counts, registry, clock } = clockedRegistry();
    const old = registry.runtime('shop@rbm.goog');
    await old.ready();
    old.enter();
    clock.now = 70_000;
    registry.setDefaults([plugin]);
    const fresh = registry.runtime('shop@rbm.goog');
    expect(fresh).to.not.equal(old);
    old.leave();
    await settle();
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('close tears down every runtime, those idle past idleMs and not yet swept too, and resolves once their teardowns ran', async () => {
    const { plugin, counts, registry, clock } = clockedRegistry();
    await registry.runtime('idle@rbm.goog').ready();
    await registry.runtime('recent@rbm.goog').ready();
    clock.now = 70_000;
    await registry.close();
    expect(counts).to.deep.equal({ setups: 2, teardowns: 2 });
    expect(registry.runtimeCount).to.equal(0);
  });

  it("an agent's config changed while its event runs: the next event gets a new runtime, the old one ends after its event", async () => {
    const { plugin, counts } = lifecycle();
    const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ level: 'silent' }) });
    registry.configure([plugin], {});
    const old = registry.runtime('shop@rbm.goog');
    await old.ready();
    old.enter();
    registry.set('shop@rbm.goog', { plugins: [plugin] });
    const fresh = registry.runtime('shop@rbm.goog');
    expect(fresh).to.not.equal(old);
    await fresh.ready();
    await settle();
    expect(counts).to.deep.equal({ setups: 2, teardowns: 0 });
    old.leave();
    await settle();
    expect(counts.teardowns).to.equal(1);
    await registry.close();
  });

  it('end to end: a slow handler keeps its plugin state while a flood of other agents evicts its runtime', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const seen: string[] = [];
    const stateful = definePlugin({
      name: 'stateful',
      setup(agent) {
        const state = { open: true };
        agent.on('text', async (event, ctx) => {
          if (event.text === 'slow') await gate;
          seen.push(`${event.agentId}:${state.open ? 'open' : 'torn down'}`);
          await ctx.reply('ok');
        });
        return () => void (state.open = false);
      },
    });
    const t = await startTestBot({ partner: { clientToken: 'EVICTTOKEN000001', plugins: [stateful] }, maxAgentRuntimes: 2 });
    try {
      const slow = t.push(payloads.text({ text: 'slow', agentId: 'slow@rbm.goog' }));
      for (let i = 0; i < 10; i += 1) expect((await t.push(payloads.text({ text: 'x', agentId: `flood${i}@rbm.goog` }))).status).to.equal(200);
      release();
      expect((await slow).status).to.equal(200);
      expect(seen.at(-1)).to.equal('slow@rbm.goog:open');
    } finally {
      await t.close();
    }
  });

  it('metrics give at most maxAgentLabels agents a label of their own; the rest are "other"', async () => {
    const metrics = new BotMetrics({ maxAgentLabels: 3 });
    for (let i = 0; i < 100; i += 1) {
      metrics.countVerified(`a${i}@rbm.goog`);
      metrics.countOutcome(`a${i}@rbm.goog`, 'handled');
      metrics.observeHandler(`a${i}@rbm.goog`, 'echo', 'text', 0.001);
    }
    const text = await metrics.registry.metrics();
    const agents = new Set([...text.matchAll(/agent="([^"]+)"/g)].map((m) => m[1]));
    expect([...agents].sort()).to.deep.equal(['a0@rbm.goog', 'a1@rbm.goog', 'a2@rbm.goog', 'other']);
    expect(text).to.include('rbmkit_pushes_verified_total{agent="other"} 97');
  });

  it('end to end: metrics.maxAgentLabels caps /metrics', async () => {
    const t = await startTestBot({ partner: { clientToken: 'EVICTTOKEN000001' }, metrics: { maxAgentLabels: 2 } });
    try {
      for (let i = 0; i < 10; i += 1) await t.push(payloads.text({ text: 'x', agentId: `agent${i}@rbm.goog` }));
      const text = await (await fetch(`${t.url}/metrics`)).text();
      expect(new Set([...text.matchAll(/agent="([^"]+)"/g)].map((m) => m[1])).size).to.equal(3);
    } finally {
      await t.close();
    }
  });
});
