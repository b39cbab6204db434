import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { ConfigError, createBot, definePlugin, PermanentError, type Logger } from 'rbmkit';
import { logging } from 'rbmkit/plugins';
import { payloads, signedPush, startTestBot } from 'rbmkit/testing';
import { formatLogLine } from '../../core/ops/pretty-format.js';
import { prettyOptions } from '../../core/ops/pretty-stream.js';

const TOKEN = 'LOGTOKEN00000001';
const PHONE = '+15557654321';

function capture(level = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines, raw: () => raw };
}

describe('logging plugin', () => {
  it('logs one line per event with agent, kind, ids, masked phone, attempt, latency and outcome', async () => {
    const out = capture();
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [logging.with({ logger: out.logger })] } });
    try {
      await t.push(payloads.text({ agentId: 'shop@rbm.goog', text: 'hi', messageId: 'M1', phone: PHONE }), { pushId: 'P1' });
      const line = out.lines.find((l) => l.msg === 'text handled')!;
      expect(line).to.include({ level: 30, agentId: 'shop@rbm.goog', kind: 'text', eventId: 'M1', pushId: 'P1', phone: '+155******21', attempt: 1, outcome: 'handled' });
      expect(line.latencyMs).to.be.a('number');
    } finally {
      await t.close();
    }
  });

  it('logs failures, naming plugins and causes, and the redelivery\'s attempt', async () => {
    const out = capture();
    let calls = 0;
    const flaky = definePlugin({ name: 'flaky', setup: (a) => void a.on('text', () => { calls += 1; if (calls === 1) throw new Error('db down'); }) });
    const strict = definePlugin({ name: 'strict', setup: (a) => void a.on('location', () => { throw new PermanentError('no maps here'); }) });
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [logging.with({ logger: out.logger }), flaky, strict] } });
    try {
      const payload = payloads.text({ text: 'x', messageId: 'M2', phone: PHONE });
      await t.push(payload);
      await t.push(payload);
      await t.push(payloads.location({ latitude: 1, longitude: 2, phone: PHONE }));
      const failures = out.lines.filter((l) => l.plugins !== undefined);
      expect(failures.map((l) => [l.level, l.plugins, l.causes, l.permanent])).to.deep.equal([
        [50, ['flaky'], ['plugin "flaky" failed: db down'], false],
        [40, ['strict'], ['plugin "strict" failed: no maps here'], true],
      ]);
      const settled = out.lines.filter((l) => typeof l.outcome === 'string').map((l) => [l.kind, l.attempt, l.outcome]);
      expect(settled).to.deep.equal([
        ['text', 1, 'failed'],
        ['text', 2, 'handled'],
        ['location', 1, 'failedPermanently'],
      ]);
    } finally {
      await t.close();
    }
  });

  it('logs rejected requests, and never prints a token, a signature or a full phone number', async () => {
    const out = capture();
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [logging.with({ logger: out.logger, level: 'debug' })] } });
    try {
      const forged = signedPush(payloads.text({ text: 'x', phone: PHONE }), { token: 'FORGEDTOKEN' });
      await t.postRaw('/webhook', forged.body, forged.headers);
      await t.postRaw('/webhook', JSON.stringify({ clientToken: 'GUESSEDTOKEN', secret: 's' }));
      await t.push(payloads.text({ text: 'y', phone: PHONE }));
      await new Promise((r) => setTimeout(r, 50));
      const rejected = out.lines.filter((l) => l.reason !== undefined).map((l) => [l.level, l.reason, l.status]);
      expect(rejected).to.deep.equal([
        [40, 'bad_signature', 401],
        [40, 'bad_client_token', 401],
      ]);
      expect(out.lines.some((l) => l.level === 20 && l.kind === 'text')).to.equal(true);
      const everything = out.raw();
      for (const secret of [TOKEN, 'FORGEDTOKEN', 'GUESSEDTOKEN', forged.headers['x-goog-signature']!, PHONE]) {
        expect(everything).not.to.include(secret);
      }
    } finally {
      await t.close();
    }
  });

  it('refuses an unknown level or a logger that is none when the bot is created, naming what was expected', () => {
    const bad = [logging.with({ level: 'loud' as 'info' }), logging.with({ logger: {} as Logger }, 'logging-2')];
    expect(() => createBot({ logger: false, agents: { 'shop@rbm.goog': { plugins: bad } } }))
      .to.throw(ConfigError)
      .with.property('message')
      .that.equals(
        'invalid rbmkit config:\n' +
          '  agents.shop@rbm.goog.plugins.0 (logging): level: expected one of trace, debug, info, warn, error, got "loud"\n' +
          '  agents.shop@rbm.goog.plugins.1 (logging-2): logger: expected a pino logger (with child and isLevelEnabled)',
      );
  });

  it('logs each failure once: the bot adds no second line, nor a stack, for the 500 it answers', async () => {
    const out = capture('info');
    const boom = definePlugin({ name: 'boom', setup: (a) => void a.on('text', () => { throw new Error('db down'); }) });
    const t = await startTestBot({ logger: out.logger, partner: { clientToken: TOKEN, plugins: [logging, boom] } });
    try {
      expect((await t.push(payloads.text({ text: 'x', phone: PHONE }))).status).to.equal(500);
      const loud = out.lines.filter((l) => (l.level as number) >= 40);
      expect(loud.map((l) => [l.level, l.plugin, l.causes])).to.deep.equal([[50, 'logging', ['plugin "boom" failed: db down']]]);
      expect(loud[0]).not.to.have.property('err');
      expect(out.raw()).not.to.include('request failed');
      expect(out.raw()).not.to.include('"stack"');
    } finally {
      await t.close();
    }
  });

  it('adds the failure\'s stacks, with their causes, when debug lines are on', async () => {
    const out = capture('debug');
    const boom = definePlugin({ name: 'boom', setup: (a) => void a.on('text', () => { throw new Error('db down'); }) });
    const t = await startTestBot({ logger: out.logger, partner: { clientToken: TOKEN, plugins: [logging, boom] } });
    try {
      await t.push(payloads.text({ text: 'x', phone: PHONE }));
      const failure = out.lines.find((l) => l.causes !== undefined)!;
      const err = failure.err as { aggregateErrors: Array<{ stack: string }> };
      expect(err.aggregateErrors[0]!.stack).to.match(/^PluginError: plugin "boom" failed: db down\n[\s\S]*caused by: Error: db down\n/);
      expect(out.lines.filter((l) => (l.level as number) >= 40)).to.have.length(1);
      expect(out.lines.find((l) => l.code === 'plugin_failed')).to.include({ level: 20, path: '/webhook' });
    } finally {
      await t.close();
    }
  });
});

describe('pretty logs', () => {
  /** pino-pretty as pretty mode runs it, without colours, on captured JSON lines. */
  const prettify = (line: Record<string, unknown>, stacks = false) => pinoPretty.prettyFactory({ ...prettyOptions({ stacks }), colorize: false })(line);

  it('reads one line per event, per failure and per rejection, with the agent, the masked phone and the outcome', async () => {
    const out = capture('info');
    const boom = definePlugin({ name: 'boom', setup: (a) => void a.on('text', (e) => { if (e.text === 'boom') throw new Error('db down'); }) });
    const t = await startTestBot({ logger: out.logger, partner: { clientToken: TOKEN, plugins: [logging, boom] } });
    try {
      await t.push(payloads.text({ agentId: 'shop@rbm.goog', text: 'hi', phone: PHONE }));
      await t.push(payloads.text({ agentId: 'shop@rbm.goog', text: 'boom', phone: PHONE }));
      const forged = signedPush(payloads.text({ text: 'x', phone: PHONE }), { token: 'FORGEDTOKEN' });
      await t.postRaw('/webhook', forged.body, forged.headers);
      await new Promise((r) => setTimeout(r, 50));
      const pretty = out.lines.map((line) => prettify(line));
      for (const line of pretty) expect(line.trimEnd().split('\n'), line).to.have.length(1);
      const text = pretty.map((line) => line.replace(/^\[\d\d:\d\d:\d\d\] /, '').replace(/\(\d+ ms\)/, '(N ms)').trimEnd());
      expect(text).to.deep.equal([
        'INFO: shop@rbm.goog text +155******21 → handled (N ms)',
        'ERROR: shop@rbm.goog text +155******21 ✗ plugin "boom" failed: db down (a redelivery retries it)',
        'INFO: shop@rbm.goog text +155******21 → failed: boom (N ms)',
        'WARN: partner request to /webhook rejected: bad_signature (answered 401)',
      ]);
      expect(pretty.join('')).not.to.include(PHONE);
    } finally {
      await t.close();
    }
  });

  it('shows a stack under its line only when asked (debug level), and other fields as key=value', () => {
    const error = new Error('socket closed');
    const line = { level: 50, time: Date.now(), agentId: 'a@rbm.goog', plugin: 'crm', event: 'text', eventId: 'E1', orderId: 42, msg: 'saving failed', err: { type: 'Error', message: 'socket closed', stack: error.stack } };
    expect(prettify(line).trimEnd()).to.match(/^\[\d\d:\d\d:\d\d\] ERROR: a@rbm\.goog \[crm\] text: saving failed: socket closed orderId=42$/);
    const withStack = prettify(line, true).trimEnd().split('\n');
    expect(withStack[1]).to.equal('    Error: socket closed');
    expect(withStack.length).to.be.greaterThan(2);
  });

  it('formats a retried event with its attempt, and the core\'s own failure line when no plugin hears failures', () => {
    expect(formatLogLine({ agentId: 'a', kind: 'text', phone: '+155******21', outcome: 'handled', latencyMs: 3, attempt: 2 })).to.equal(
      'a text +155******21 → handled (3 ms, attempt 2)',
    );
    const aggregate = { type: 'AggregateError', message: 'plugins failed on text event "E": boom', aggregateErrors: [{ message: 'plugin "boom" failed: db down: db down', stack: 'PluginError: plugin "boom" failed: db down\n    at x' }] };
    expect(formatLogLine({ agentId: 'a', type: 'text', plugins: ['boom'], err: aggregate, msg: aggregate.message })).to.equal('a text ✗ plugin "boom" failed: db down');
  });

  it('logs a misrouted and an undeliverable push in one line each, in JSON and in pretty mode', async () => {
    const out = capture();
    const t = await startTestBot({
      undeliverablePolicy: 'deadLetter',
      partner: { clientToken: TOKEN, plugins: [logging.with({ logger: out.logger })] },
      agents: { 'own@rbm.goog': { webhook: { path: '/agents/own', clientToken: 'OWNTOKEN00000001' } } },
    });
    try {
      expect((await t.push(payloads.text({ agentId: 'own@rbm.goog', text: 'x', messageId: 'M9', phone: PHONE }), { pushId: 'P9' })).status).to.equal(200);
      const junk = await t.push('not json', { pushId: 'P10' });
      const deadLetterId = (junk.body as { deadLetterId: string }).deadLetterId;
      await new Promise((r) => setTimeout(r, 50));
      const misrouted = out.lines.filter((l) => l.notice === 'misrouted');
      expect(misrouted).to.have.length(1);
      expect(misrouted[0]).to.include({ level: 30, agentId: 'own@rbm.goog', kind: 'text', eventId: 'M9', pushId: 'P9', webhook: '/webhook', expectedWebhook: '/agents/own', status: 200 });
      expect(formatLogLine(misrouted[0]!)).to.equal('own@rbm.goog text came to /webhook, expected at /agents/own → misrouted (answered 200)');
      const undeliverable = out.lines.filter((l) => l.notice === 'undeliverable');
      expect(undeliverable).to.have.length(1);
      expect(undeliverable[0]).to.include({ level: 40, agentId: '*partner*', reason: 'bad_data', webhook: '/webhook', pushId: 'P10', deadLetterId });
      expect(formatLogLine(undeliverable[0]!)).to.equal(`partner push to /webhook undeliverable: bad_data (answered 200, kept as dead letter ${deadLetterId})`);
      expect(formatLogLine({ ...undeliverable[0]!, deadLetterId: undefined, claimedAgentId: 'b@rbm.goog' })).to.equal(
        'partner push to /webhook for b@rbm.goog undeliverable: bad_data (answered 200, not kept)',
      );
      expect(out.raw()).not.to.include(PHONE);
      expect(out.raw()).not.to.include(TOKEN);
    } finally {
      await t.close();
    }
  });
});
