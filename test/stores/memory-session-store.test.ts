import { expect } from 'chai';
import { MemorySessionStore } from 'rbmkit';

describe('MemorySessionStore', () => {
  it('reserves no memory up front for its bound (a 5,000,000-entry store is as small as an empty one)', () => {
    const before = process.memoryUsage().heapUsed;
    const stores = [new MemorySessionStore({ max: 5_000_000 }), new MemorySessionStore({ max: 5_000_000 })];
    const grown = process.memoryUsage().heapUsed - before;
    expect(stores).to.have.length(2);
    // Reserving arrays for the bound took 78 MB per store; what is left is the store objects.
    expect(grown).to.be.below(8 * 1024 * 1024);
  });

  it('evicts the least recently used entry beyond its bound', async () => {
    const store = new MemorySessionStore({ max: 3 });
    for (const key of ['a', 'b', 'c']) await store.set(key, key, 60_000);
    await store.get('a');
    await store.set('d', 'd', 60_000);
    expect(await store.get('b')).to.equal(undefined);
    expect(await Promise.all(['a', 'c', 'd'].map((key) => store.get(key)))).to.deep.equal(['a', 'c', 'd']);
  });

  it('forgets an entry after its time to live, and keeps a copy, not the caller object', async () => {
    const store = new MemorySessionStore();
    const value = { cart: ['pho'] };
    await store.set('k', value, 30);
    value.cart.push('tea');
    expect(await store.get('k')).to.deep.equal({ cart: ['pho'] });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await store.get('k')).to.equal(undefined);
  });
});
