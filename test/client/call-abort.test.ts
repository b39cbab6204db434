import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { Agent } from 'undici';
import { CallAbort } from '../../core/client/call-abort.js';

describe('CallAbort (the signal of one RBM API call)', () => {
  let server: Server;
  let origin: string;
  const agent = new Agent();

  before(async () => {
    // /slow never answers; anything else answers at once.
    server = createServer((req, res) => {
      if (req.url !== '/slow') res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await agent.close();
  });

  it('aborts an undici request in flight, and says it did', async () => {
    const abort = new CallAbort();
    const pending = agent.request({ origin, path: '/slow', method: 'GET', signal: abort });
    setImmediate(() => abort.abort());
    const error = await pending.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(Error);
    expect(abort.aborted).to.equal(true);
  });

  it('lets a request that finished go: undici removes its listener, a later abort does nothing', async () => {
    const abort = new CallAbort();
    const response = await agent.request({ origin, path: '/fast', method: 'GET', signal: abort });
    expect(await response.body.text()).to.equal('{"ok":true}');
    // undici takes its listener back when the body stream closes, just after it ended.
    await new Promise((resolve) => setImmediate(resolve));
    expect((abort as unknown as { listener: unknown }).listener).to.equal(undefined);
    expect(() => abort.abort()).not.to.throw();
  });

  it('fails a request given an already aborted signal before sending it', async () => {
    const abort = new CallAbort();
    abort.abort(new Error('too late'));
    const error = await agent.request({ origin, path: '/fast', method: 'GET', signal: abort }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).to.equal('too late');
  });
});
