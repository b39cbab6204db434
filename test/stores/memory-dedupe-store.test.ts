import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import { MemoryDedupeStore } from 'rbmkit';

describe('MemoryDedupeStore', () => {
  it('counts attempts, remembers completed plugins, and marks events in flight', async () => {
    const store = new MemoryDedupeStore();
    const first = await store.claim('k');
    expect(first).to.deep.include({ busy: false, attempt: 1 });
    expect([...first.completed]).to.deep.equal([]);
    expect((await store.claim('k')).busy).to.equal(true);
    await store.complete('k', 'echo');
    await store.release('k');
    const again = await store.claim('k');
    expect(again.busy).to.equal(false);
    expect(again.attempt).to.equal(3);
    expect([...again.completed]).to.deep.equal(['echo']);
  });

  it('remembers every plugin that completed, once each', async () => {
    const store = new MemoryDedupeStore();
    await store.claim('k');
    for (const plugin of ['echo', 'crm', 'echo', 'log', 'crm']) await store.complete('k', plugin);
    await store.release('k');
    expect([...(await store.claim('k')).completed]).to.deep.equal(['echo', 'crm', 'log']);
  });

  it('events sharing completed plugins each read back their own, whatever the order', () => {
    const store = new MemoryDedupeStore();
    const runs: Record<string, string[]> = { a: ['echo', 'log'], b: ['log', 'echo'], c: ['echo'], d: ['echo', 'log', 'crm'], e: ['echo', 'log'] };
    for (const [key, plugins] of Object.entries(runs)) {
      store.claim(key);
      for (const plugin of plugins) store.complete(key, plugin);
      store.release(key);
    }
    for (const [key, plugins] of Object.entries(runs)) expect([...store.claim(key).completed], key).to.deep.equal(plugins);
  });

  it('past the shared lists it keeps (plugins with ever-new names), still records each event', () => {
    const store = new MemoryDedupeStore();
    for (let i = 0; i < 10_050; i += 1) {
      store.claim(`k${i}`);
      store.complete(`k${i}`, `plugin-${i}`);
      store.complete(`k${i}`, 'echo');
    }
    expect([...store.claim('k10049').completed]).to.deep.equal(['plugin-10049', 'echo']);
    expect([...store.claim('k3').completed]).to.deep.equal(['plugin-3', 'echo']);
  });

  it('forgets the least recently claimed first: a redelivery keeps its event', async () => {
    const store = new MemoryDedupeStore({ max: 3 });
    for (const key of ['a', 'b', 'c']) {
      await store.claim(key);
      await store.release(key);
    }
    await store.claim('a'); // redelivered: now the most recent
    await store.release('a');
    await store.claim('d');
    expect(store.size).to.equal(3);
    expect((await store.claim('a')).attempt).to.equal(3);
    expect((await store.claim('b')).attempt).to.equal(1);
  });

  it('drops expired events at the front as new ones come, without waiting for the count bound', async () => {
    const store = new MemoryDedupeStore({ ttlMs: 20 });
    for (const key of ['a', 'b', 'c']) await store.claim(key);
    await new Promise((r) => setTimeout(r, 40));
    await store.claim('d');
    expect(store.size).to.equal(1);
  });

  it('is bounded by count: the least recently seen are forgotten', async () => {
    const store = new MemoryDedupeStore({ max: 3 });
    for (const key of ['a', 'b', 'c', 'd']) {
      await store.claim(key);
      await store.release(key);
    }
    expect(store.size).to.equal(3);
    expect((await store.claim('a')).attempt).to.equal(1);
  });

  it('is bounded by age', async () => {
    const store = new MemoryDedupeStore({ ttlMs: 20 });
    await store.claim('a');
    await store.release('a');
    await new Promise((r) => setTimeout(r, 40));
    expect((await store.claim('a')).attempt).to.equal(1);
  });
  it('events that completed the same plugins share one list: two plugins cost no array per event (memory)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemoryDedupeStore({ max: 60_000 });
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}`);
    for (const key of keys) store.claim(key);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const key of keys) {
      store.complete(key, 'claim:echo');
      store.complete(key, 'echo');
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    // An array of two per event took about 3 MB for 50,000 events; shared lists take none.
    expect(grown).to.be.below(1024 * 1024);
    expect([...store.claim('k49999').completed]).to.deep.equal(['claim:echo', 'echo']);
  });

  it('keeps one flat string per event, not the concatenation over the parsed parts (memory)', () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = new MemoryDedupeStore({ max: 60_000 });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 50_000; i += 1) {
      // As ingress builds it: parts of a parsed event, joined.
      const event = JSON.parse(`{"agentId":"shop@rbm.goog","phone":"+1555${String(i).padStart(7, '0')}","id":"MSG-${i}-abcdefghijklmnopqrst"}`) as Record<string, string>;
      store.claim(`${event.agentId}\u0000${event.phone}\u0000${event.id}`);
    }
    gc();
    const grown = process.memoryUsage().heapUsed - before;
    expect(store.size).to.equal(50_000);
    // About 7 MB as flat strings; the ropes and their parts took 15 MB.
    expect(grown).to.be.below(11 * 1024 * 1024);
  });
});
