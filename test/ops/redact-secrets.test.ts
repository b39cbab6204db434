import { Writable } from 'node:stream';
import { expect } from 'chai';
import { createLogger, loggerSettings } from '../../core/ops/logger.js';
import { redactSecrets } from '../../core/ops/redact-secrets.js';

/** A logger configured as createLogger's, writing to an array of parsed lines. */
function capture(options: Parameters<typeof loggerSettings>[0] = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level: 'trace', ...options }, stream), lines };
}

describe('log redaction', () => {
  it('gives a line without secrets back as it is, not a copy', () => {
    const line = { kind: 'text', eventId: 'M1', attempt: 1, nested: { phone: '+155******21' } };
    expect(redactSecrets(line)).to.equal(line);
  });

  it('censors secrets at the top, one level down and the signature header, leaving the caller\'s object untouched', () => {
    const line = { token: 'T0P', kind: 'text', auth: { accessToken: 'A1', scope: 'x' }, headers: { 'X-Goog-Signature': 'SIG', host: 'h' }, list: [{ token: 'kept: arrays are not walked' }] };
    const out = redactSecrets(line);
    expect(out).to.deep.equal({
      token: '[redacted]',
      kind: 'text',
      auth: { accessToken: '[redacted]', scope: 'x' },
      headers: { 'X-Goog-Signature': '[redacted]', host: 'h' },
      list: [{ token: 'kept: arrays are not walked' }],
    });
    expect(line.token).to.equal('T0P');
    expect(line.auth.accessToken).to.equal('A1');
  });

  it('never writes a clientToken, secret, signature, token or authorization through a logger made like the bot\'s', () => {
    const { log, lines } = capture();
    const error = Object.assign(new Error('call failed'), { token: 'ERRTOKEN' });
    log.info({ clientToken: 'CT1', webhook: '/webhook', request: { authorization: 'Bearer B1' }, body: { secret: 'S1', signature: 'SIG1' } }, 'one');
    log.error({ err: error }, 'two');
    log.child({ plugin: 'p', auth: { token: 'CHILDTOKEN' } }).child({ grand: { secret: 'GRANDSECRET' } }).info('three');
    log.info({ headers: { 'x-goog-signature': 'HDRSIG' } }, 'four');
    const text = JSON.stringify(lines);
    for (const secret of ['CT1', 'B1', 'S1', 'SIG1', 'ERRTOKEN', 'CHILDTOKEN', 'GRANDSECRET', 'HDRSIG']) expect(text).not.to.include(secret);
    expect(lines[0]).to.deep.include({ clientToken: '[redacted]', webhook: '/webhook', body: { secret: '[redacted]', signature: '[redacted]' } });
    // An Error is still logged as pino logs errors: type, message, stack.
    expect(lines[1]!.err).to.include({ type: 'Error', message: 'call failed', token: '[redacted]' });
    expect((lines[1]!.err as { stack?: string }).stack).to.be.a('string');
    expect(lines[2]).to.deep.include({ plugin: 'p', auth: { token: '[redacted]' }, grand: { secret: '[redacted]' } });
    expect(lines[3]).to.deep.include({ headers: { 'x-goog-signature': '[redacted]' } });
  });

  it('runs your own log formatter first, then redacts what it returns', () => {
    const { log, lines } = capture({ formatters: { log: (line) => ({ ...line, added: { token: 'ADDED' } }) } });
    log.info({ kind: 'text' }, 'formatted');
    expect(lines[0]).to.deep.include({ kind: 'text', added: { token: '[redacted]' } });
  });
});
