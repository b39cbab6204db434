import { expect } from 'chai';
import { SharedDeadlines, TIMED_OUT, withinDeadline } from '../../core/dispatch/deadline.js';

const after = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('deadlines', () => {
  it('withinDeadline gives the value, or TIMED_OUT, and passes a rejection through', async () => {
    expect(await withinDeadline(after(5, 'v'), 200)).to.equal('v');
    expect(await withinDeadline(after(200, 'v'), 20)).to.equal(TIMED_OUT);
    const error = await withinDeadline(Promise.reject(new Error('no')), 50).catch((e: Error) => e);
    expect((error as Error).message).to.equal('no');
  });

  it('SharedDeadlines races many promises on one timer, each against its own deadline', async () => {
    const deadlines = new SharedDeadlines(5);
    const results = await Promise.all([
      deadlines.race(after(5, 'fast'), 200),
      deadlines.race(after(300, 'slow'), 30),
      deadlines.race(after(20, 'in time'), 100),
    ]);
    expect(results).to.deep.equal(['fast', TIMED_OUT, 'in time']);
    const error = await deadlines.race(Promise.reject(new Error('boom')), 50).catch((e: Error) => e);
    expect((error as Error).message).to.equal('boom');
  });
});
