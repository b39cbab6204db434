import { expect } from 'chai';
import { definePlugin, HandlerTimeoutError, PermanentError } from 'rbmkit';
import { echo } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'FAILURESTOKEN001';

class DbDown extends Error {
  override readonly name = 'DbDown';
}

const crm = definePlugin({
  name: 'crm',
  setup(agent) {
    agent.on('text', async (event) => {
      if (event.text === 'permanent') throw new PermanentError('no such customer');
      if (event.text === 'boom') throw new DbDown('db down', { cause: new Error('ECONNREFUSED') });
    });
  },
});

describe('startTestBot shows what plugins threw', () => {
  let t: TestBot | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("hands each push's answer the errors of the plugins that failed on it, stack and cause kept; t.failures() lists them all", async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [crm, echo] } });
    const ok = await t.push(payloads.text({ text: 'fine' }));
    expect(ok).to.include({ status: 200 });
    expect(ok.failures).to.deep.equal([]);

    const failed = await t.push(payloads.text({ text: 'boom' }));
    expect(failed.status).to.equal(500);
    expect(failed.failures.map((f) => f.plugin)).to.deep.equal(['crm']);
    const { error } = failed.failures[0]!;
    expect(error).to.be.instanceOf(DbDown).with.property('message', 'db down');
    expect(error.stack).to.include('failures.test.ts');
    expect((error.cause as Error).message).to.equal('ECONNREFUSED');

    const permanent = await t.push(payloads.text({ text: 'permanent' }));
    expect(permanent.status).to.equal(200);
    expect(permanent.failures.map((f) => [f.plugin, f.error.name, f.error.message])).to.deep.equal([['crm', 'PermanentError', 'no such customer']]);

    expect(t.failures().map((f) => f.error.message)).to.deep.equal(['db down', 'no such customer']);
  });

  it('shows a failed setup, a time limit and a thrown non-Error too', async () => {
    const broken = definePlugin({
      name: 'broken',
      setup() {
        throw new TypeError('routes.forEach is not a function');
      },
    });
    const slow = definePlugin({ name: 'slow', setup: (a) => void a.on('text', () => new Promise((r) => setTimeout(r, 500))) });
    const odd = definePlugin({
      name: 'odd',
      setup: (a) =>
        void a.on('text', () => {
          throw 'a string';
        }),
    });
    t = await startTestBot({ handlerTimeoutMs: 50, partner: { clientToken: TOKEN, plugins: [broken, slow, odd] } });
    const answer = await t.push(payloads.text({ text: 'x' }));
    expect(answer.status).to.equal(500);
    const byPlugin = Object.fromEntries(answer.failures.map((f) => [f.plugin, f.error]));
    expect(Object.keys(byPlugin)).to.have.members(['broken', 'slow', 'odd']);
    expect(byPlugin.broken).to.be.instanceOf(TypeError).with.property('message', 'routes.forEach is not a function');
    expect(byPlugin.slow).to.be.instanceOf(HandlerTimeoutError);
    expect(byPlugin.odd).to.be.instanceOf(Error).with.property('cause', 'a string');
  });

  it('with throwOnFailure, a push on which a plugin failed rejects with its error, message and stack; others resolve', async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [crm, echo] } }, { throwOnFailure: true });
    expect((await t.push(payloads.text({ text: 'fine' }))).status).to.equal(200);
    let thrown: unknown;
    await t.push(payloads.text({ text: 'boom' })).catch((error: unknown) => (thrown = error));
    expect(thrown).to.be.instanceOf(Error);
    const error = thrown as Error & { answer: { status: number } };
    expect(error.message).to.equal('push answered 500: plugin "crm" failed: db down');
    expect(error.cause).to.be.instanceOf(DbDown);
    // The stack is the plugin's, so a failing test points at the line that threw.
    expect(error.stack).to.match(/^PushFailedError: push answered 500: plugin "crm" failed: db down\n {2}in plugin "crm": DbDown: db down\n\s+at .*failures\.test\.ts/);
    expect(error.answer.status).to.equal(500);
    // Permanent failures are failures too.
    await t.push(payloads.text({ text: 'permanent' })).then(
      () => expect.fail('expected the push to reject'),
      (rejected: Error) => expect(rejected.message).to.equal('push answered 200: plugin "crm" failed: no such customer'),
    );
  });

  it('keeps the failures of two test bots apart, and lists those that finish after a 503 still_running', async () => {
    const late = definePlugin({
      name: 'late',
      setup: (a) =>
        void a.on('text', async () => {
          await new Promise((r) => setTimeout(r, 150));
          throw new Error('failed after the answer');
        }),
    });
    t = await startTestBot({ ackDeadlineMs: 30, partner: { clientToken: TOKEN, plugins: [late] } });
    const other = await startTestBot({ partner: { clientToken: TOKEN, plugins: [crm] } });
    try {
      const [slow, boom] = await Promise.all([t.push(payloads.text({ text: 'x' })), other.push(payloads.text({ text: 'boom' }))]);
      expect(slow.status).to.equal(503);
      expect(slow.failures).to.deep.equal([]);
      expect(boom.failures.map((f) => f.plugin)).to.deep.equal(['crm']);
      await new Promise((r) => setTimeout(r, 250));
      expect(t.failures().map((f) => [f.plugin, f.error.message])).to.deep.equal([['late', 'failed after the answer']]);
      expect(other.failures().map((f) => f.plugin)).to.deep.equal(['crm']);
    } finally {
      await other.close();
    }
  });
});
