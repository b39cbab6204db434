import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { definePlugin, PermanentError } from 'rbmkit';
import { logging } from 'rbmkit/plugins';
import { payloads, signedPush, startTestBot } from 'rbmkit/testing';

const TOKEN = 'LOGTOKEN00000001';
const PHONE = '+15557654321';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  let raw = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      raw += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines, raw: () => raw };
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

  it('refuses an unknown level, naming the valid ones', async () => {
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [logging.with({ level: 'loud' as 'info' })] } });
    try {
      const response = await t.push(payloads.text({ text: 'x' }));
      expect(response.status).to.equal(500);
    } finally {
      await t.close();
    }
  });
});
