import { Writable } from 'node:stream';
import { expect } from 'chai';
import Koa from 'koa';
import { pino } from 'pino';
import { HttpError } from '../../core/errors.js';
import { jsonErrors } from '../../core/webhook/json-errors.js';

/** Runs jsonErrors around a middleware throwing `error`; resolves with the log lines. */
async function logsFor(error: unknown): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'debug' }, new Writable({ write: (chunk, _e, done) => void (lines.push(JSON.parse(chunk.toString())), done()) }));
  const app = new Koa();
  app.silent = true;
  app.use(jsonErrors(log));
  app.use(() => {
    throw error;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).to.have.keys('error', 'message');
  } finally {
    server.close();
  }
  return lines;
}

describe('hardening: expected 503s are one warn line, no stack', () => {
  for (const code of ['in_flight', 'overloaded', 'shutting_down', 'store_unavailable', 'still_running']) {
    it(`503 ${code}: warn, no err, no stack`, async () => {
      const lines = await logsFor(new HttpError(503, code, 'expected a redelivery later', { 'Retry-After': '5' }));
      expect(lines).to.have.length(1);
      expect(lines[0]).to.include({ level: 40, code });
      expect(lines[0]).not.to.have.property('err');
      expect(JSON.stringify(lines[0])).not.to.include('    at ');
    });
  }

  it('an unexpected error is still logged at error with its stack', async () => {
    const lines = await logsFor(new Error('boom'));
    expect(lines[0]).to.include({ level: 50 });
    expect(JSON.stringify(lines[0])).to.include('boom');
  });
});
