import { expect } from 'chai';
import { RbmRateLimitError } from 'rbmkit';
import { CallRateLimiter, type RateLimitWait } from '../../core/client/call-rate-limiter.js';
import { checkRateLimit, TokenBucket } from '../../core/client/token-bucket.js';
import { rejection } from '../helpers/rejection.js';

/** Greedy use of a bucket on a fake clock: every ms, takes all it can. Returns the times of the takes. */
function greedy(bucket: TokenBucket, clock: { t: number }, ms: number): number[] {
  const taken: number[] = [];
  for (; clock.t <= ms; clock.t += 1) while (bucket.tryTake()) taken.push(clock.t);
  return taken;
}

/** The most calls in any window of `perMs`, counted both ways: [t, t + perMs] (closed) and (t - perMs, t]. */
function busiestWindow(times: readonly number[], perMs: number): number {
  let most = 0;
  for (let i = 0; i < times.length; i += 1) {
    let j = i;
    while (j < times.length && times[j]! <= times[i]! + perMs) j += 1;
    most = Math.max(most, j - i);
  }
  return most;
}

describe('TokenBucket', () => {
  it('starts full with burst tokens, a tenth of calls by default', () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ calls: 600, perMs: 60_000 }, () => clock.t);
    expect(bucket.capacity).to.equal(60);
    let taken = 0;
    while (bucket.tryTake()) taken += 1;
    expect(taken).to.equal(60);
    expect(bucket.msUntil(1)).to.be.closeTo(60_000 / 540, 1e-9);
  });

  it('never lets more than `calls` through in any window, Google\'s 600 a minute included', () => {
    for (const limit of [{ calls: 600, perMs: 60_000 }, { calls: 5, perMs: 100, burst: 4 }, { calls: 7, perMs: 70, burst: 1 }, { calls: 1, perMs: 50 }]) {
      const clock = { t: 0 };
      const times = greedy(new TokenBucket(limit, () => clock.t), clock, limit.perMs * 6);
      expect(busiestWindow(times, limit.perMs), JSON.stringify(limit)).to.be.at.most(limit.calls);
      // And it is not starved: its burst, then calls - burst per window.
      const burst = limit.burst ?? Math.max(1, Math.floor(limit.calls / 10));
      expect(times.length, JSON.stringify(limit)).to.be.at.least(burst + 6 * Math.max(1, limit.calls - burst) - 1);
    }
  });

  it('refills over time up to its size, no more', () => {
    const clock = { t: 0 };
    const bucket = new TokenBucket({ calls: 11, perMs: 100, burst: 1 }, () => clock.t);
    expect(bucket.tryTake()).to.equal(true);
    expect(bucket.tryTake()).to.equal(false);
    expect(bucket.msUntil(1)).to.equal(10);
    clock.t = 10;
    expect(bucket.tryTake()).to.equal(true);
    clock.t = 1_000;
    expect(bucket.full).to.equal(true);
    expect(bucket.tryTake()).to.equal(true);
    expect(bucket.tryTake()).to.equal(false);
  });

  it('refuses a limit that cannot work, saying what was expected', () => {
    expect(() => checkRateLimit({ calls: 0, perMs: 1_000 })).to.throw(RangeError, 'calls: expected a positive whole number, got 0');
    expect(() => checkRateLimit({ calls: 10, perMs: 1.5 })).to.throw(RangeError, 'perMs: expected a positive whole number of ms');
    expect(() => checkRateLimit({ calls: 10, perMs: 1_000, burst: 10 })).to.throw(RangeError, 'burst: expected less than calls (10)');
    expect(() => new CallRateLimiter({ messages: { calls: -1, perMs: 1_000 } })).to.throw(RangeError);
  });
});

describe('CallRateLimiter', () => {
  it('lets a call with a token free go at once, with no promise made', () => {
    const limiter = new CallRateLimiter({ messages: { calls: 4, perMs: 1_000, burst: 3 } });
    expect([1, 2, 3].map(() => limiter.take('messages', 'a@rbm.goog'))).to.deep.equal([undefined, undefined, undefined]);
    const fourth = limiter.take('messages', 'a@rbm.goog', { signal: AbortSignal.abort(new Error('stop')) });
    expect(fourth).to.be.instanceOf(Promise);
    return fourth!.catch(() => undefined);
  });

  it('paces only what is configured: batchGet 600 a minute by default, messages and events not at all', () => {
    const limiter = new CallRateLimiter();
    expect(limiter.limitOf('batchGet')).to.deep.equal({ calls: 600, perMs: 60_000 });
    expect(limiter.limitOf('messages')).to.equal(undefined);
    for (let i = 0; i < 1_000; i += 1) expect(limiter.take('messages', 'a@rbm.goog')).to.equal(undefined);
    const off = new CallRateLimiter(false);
    for (let i = 0; i < 1_000; i += 1) expect(off.take('batchGet', 'a@rbm.goog')).to.equal(undefined);
  });

  it('makes calls over the rate wait their turn, in the order they came', async () => {
    const limiter = new CallRateLimiter({ events: { calls: 3, perMs: 60, burst: 1 } });
    const order: number[] = [];
    const calls = Array.from({ length: 5 }, (_, i) => {
      const turn = limiter.take('events', 'a@rbm.goog');
      return (turn ?? Promise.resolve()).then(() => void order.push(i));
    });
    expect(limiter.waiting).to.equal(4);
    await Promise.all(calls);
    expect(order).to.deep.equal([0, 1, 2, 3, 4]);
    expect(limiter.waiting).to.equal(0);
  });

  it('keeps each agent in its own lane', async () => {
    const limiter = new CallRateLimiter({ messages: { calls: 2, perMs: 10_000, burst: 1 } });
    expect(limiter.take('messages', 'a@rbm.goog')).to.equal(undefined);
    const waiting = limiter.take('messages', 'a@rbm.goog', { signal: AbortSignal.timeout(20) });
    expect(waiting).to.be.instanceOf(Promise);
    // b has a bucket of its own, full.
    expect(limiter.take('messages', 'b@rbm.goog')).to.equal(undefined);
    expect((await rejection(waiting!)).name).to.equal('TimeoutError');
  });

  it('fails at once, retryable, a call that would wait longer than maxWaitMs', async () => {
    const limiter = new CallRateLimiter({ batchGet: { calls: 2, perMs: 60_000, burst: 1 }, maxWaitMs: 1_000 });
    const seen: RateLimitWait[] = [];
    limiter.observe((wait) => seen.push(wait));
    expect(limiter.take('batchGet', 'a@rbm.goog')).to.equal(undefined);
    const error = await rejection(limiter.take('batchGet', 'a@rbm.goog')!);
    expect(error).to.be.instanceOf(RbmRateLimitError);
    expect(error).to.include({ status: 0, reason: 'CLIENT_RATE_LIMIT', permanent: false });
    expect(error.message).to.match(/a batchGet call of a@rbm\.goog would wait \d+ ms .* more than maxWaitMs 1000/);
    expect(seen).to.deep.equal([{ kind: 'batchGet', agentId: 'a@rbm.goog', outcome: 'refused', waitedMs: 0 }]);
    expect(limiter.waiting).to.equal(0);
  });

  it('stops waiting when the signal fires, and the calls behind it still go in order', async () => {
    const limiter = new CallRateLimiter({ messages: { calls: 3, perMs: 90, burst: 1 } });
    const seen: string[] = [];
    limiter.observe((wait) => seen.push(wait.outcome));
    expect(limiter.take('messages', 'a@rbm.goog')).to.equal(undefined);
    const controller = new AbortController();
    const first = limiter.take('messages', 'a@rbm.goog', { signal: controller.signal })!;
    const second = limiter.take('messages', 'a@rbm.goog', { signal: new AbortController().signal })!;
    const reason = new Error('handler timed out');
    controller.abort(reason);
    expect(await rejection(first)).to.equal(reason);
    await second;
    expect(seen).to.deep.equal(['aborted', 'waited']);
    // An already aborted signal does not queue at all.
    const late = limiter.take('messages', 'a@rbm.goog', { signal: AbortSignal.abort(reason) });
    expect(await rejection(late ?? Promise.resolve())).to.equal(reason);
  });

  it('reads the signal only from a call that has to wait', () => {
    const limiter = new CallRateLimiter({ messages: { calls: 3, perMs: 1_000, burst: 2 } });
    let reads = 0;
    const source = {
      get signal() {
        reads += 1;
        return AbortSignal.abort(new Error('stop'));
      },
    };
    limiter.take('messages', 'a@rbm.goog', source);
    limiter.take('messages', 'a@rbm.goog', source);
    expect(reads).to.equal(0);
    void limiter.take('messages', 'a@rbm.goog', source)!.catch(() => undefined);
    expect(reads).to.equal(1);
  });
});
