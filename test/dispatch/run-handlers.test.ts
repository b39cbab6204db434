import { expect } from 'chai';
import { HandlerTimeoutError, PluginError } from 'rbmkit';
import { SharedDeadlines, TIMED_OUT } from '../../core/dispatch/deadline.js';
import { runPluginHandlers, type HandlerLimit, type StoredHandler } from '../../core/dispatch/run-handlers.js';
import { EventContext } from '../../core/plugin/handler-context.js';
import { sharedState, sleep } from './dispatch-kit.js';

const EVENT = { type: 'text' };
const contextFor = (plugin = 'p') => new EventContext(sharedState(), plugin);
const limitOf = (ms: number): HandlerLimit => ({ deadlines: new SharedDeadlines(2), ms });

/** Runs `handlers` as plugin "p" and gives back what happened, and the context they shared. */
function run(handlers: StoredHandler[], limit = limitOf(1_000)) {
  const ctx = contextFor();
  return { ctx, result: runPluginHandlers({ key: 'p', handlers }, EVENT, ctx, limit) };
}

const failureOf = async (pending: Promise<void> | undefined): Promise<PluginError> => {
  expect(pending, 'expected a pending run').to.be.instanceOf(Promise);
  const error = await pending!.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).to.be.instanceOf(PluginError);
  return error as PluginError;
};

describe('runPluginHandlers', () => {
  it('runs synchronous handlers in order and costs no promise: the result is undefined', () => {
    const calls: string[] = [];
    const seen: unknown[] = [];
    const { ctx, result } = run([(event, c) => void (calls.push('1'), seen.push(event, c)), () => void calls.push('2')]);
    expect(result).to.equal(undefined);
    expect(calls).to.deep.equal(['1', '2']);
    expect(seen[0]).to.equal(EVENT);
    expect(seen[1]).to.equal(ctx);
  });

  it('throws a PluginError synchronously for a synchronous throw, and runs no later handler', () => {
    const calls: string[] = [];
    const cause = new Error('sync boom');
    let thrown: unknown;
    try {
      run([
        () => {
          throw cause;
        },
        () => void calls.push('later'),
      ]);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).to.be.instanceOf(PluginError);
    expect(thrown).to.include({ plugin: 'p', cause, message: 'plugin "p" failed: sync boom' });
    expect(calls).to.deep.equal([]);
  });

  it('awaits a promise before the next handler, in subscription order, then resolves', async () => {
    const calls: string[] = [];
    const { result } = run([
      () => void calls.push('sync 1'),
      async () => {
        await sleep(10);
        calls.push('async 2');
      },
      () => void calls.push('sync 3'),
      async () => void calls.push('async 4'),
      () => void calls.push('sync 5'),
    ]);
    expect(result).to.be.instanceOf(Promise);
    expect(calls).to.deep.equal(['sync 1']);
    await result;
    expect(calls).to.deep.equal(['sync 1', 'async 2', 'sync 3', 'async 4', 'sync 5']);
  });

  it('accepts any thenable, not only native promises', async () => {
    let resolved = false;
    const thenable = { then: (ok: () => void) => setTimeout(() => ((resolved = true), ok()), 5) };
    const { result } = run([() => thenable]);
    expect(result).to.be.instanceOf(Promise);
    await result;
    expect(resolved).to.equal(true);
  });

  it('rejects with a PluginError for a rejection, and for a synchronous throw after an await', async () => {
    const cause = new Error('async boom');
    expect(await failureOf(run([() => Promise.reject(cause)]).result)).to.include({ plugin: 'p', cause });
    const later = new TypeError('late');
    const calls: string[] = [];
    const failure = await failureOf(
      run([
        async () => undefined,
        () => {
          throw later;
        },
        () => void calls.push('never'),
      ]).result,
    );
    expect(failure.cause).to.equal(later);
    expect(calls).to.deep.equal([]);
  });

  it('past the time limit: fails with HandlerTimeoutError and aborts ctx.signal with it, without waiting for the handler', async () => {
    let signal: AbortSignal | undefined;
    const started = Date.now();
    const { ctx, result } = run(
      [
        (_event, c) => {
          signal = c.signal;
          return new Promise(() => undefined);
        },
      ],
      limitOf(30),
    );
    const failure = await failureOf(result);
    expect(Date.now() - started).to.be.lessThan(1_000);
    expect(failure.cause).to.be.instanceOf(HandlerTimeoutError);
    expect((failure.cause as Error).message).to.equal('a handler of plugin "p" took longer than 30 ms');
    expect(signal!.aborted).to.equal(true);
    expect(signal!.reason).to.equal(failure.cause);
    // A signal first asked for after the abort is born aborted.
    expect(ctx.signal.aborted).to.equal(true);
  });

  it('keeps its time limits on the deadlines it is given (the bot\'s own), never on a timer of its own', async () => {
    const raced: number[] = [];
    class Watched extends SharedDeadlines {
      override race<T>(pending: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
        raced.push(ms);
        return super.race(pending, ms);
      }
    }
    const deadlines = new Watched(2);
    await runPluginHandlers({ key: 'p', handlers: [async () => undefined, () => undefined, async () => undefined] }, EVENT, contextFor(), { deadlines, ms: 123 });
    expect(raced).to.deep.equal([123, 123]);
    // Synchronous handlers never touch the deadlines.
    expect(runPluginHandlers({ key: 'p', handlers: [() => undefined] }, EVENT, contextFor(), { deadlines, ms: 5 })).to.equal(undefined);
    expect(raced).to.have.length(2);
  });
});
