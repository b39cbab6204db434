import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { HttpRbmClient, maskPhone, messages } from 'rbmkit';
import { maskPhonesIn } from '../../core/client/phone.js';

const PHONE = '+15550001234';
const noAuth = { getAccessToken: async () => undefined };

describe('hardening: a phone number never appears in full in an error', function () {
  this.timeout(10_000);

  it('maskPhonesIn masks every number in a text, + or %2B or bare', () => {
    const text = maskPhonesIn(`POST /v1/phones/${PHONE}/agentMessages; also %2B15550001234 and 15550001234`);
    expect(text).not.to.include('5550001234');
    expect(text).to.include(maskPhone(PHONE));
    expect(maskPhonesIn('HTTP 503 after 10000 ms')).to.equal('HTTP 503 after 10000 ms');
  });

  it('the E.164 check does not print the number it refuses', async () => {
    const client = new HttpRbmClient({ baseUrl: 'http://127.0.0.1:9', auth: noAuth });
    const error = await client.sendMessage({ agentId: 'a@rbm.goog', phone: '15550001234', message: messages.text('hi') }).then(() => undefined, (e: Error) => e);
    expect(error?.message).to.match(/expected an E\.164/);
    expect(error?.message).not.to.include('5550001234');
  });

  it('a timeout does not print the number in the path', async () => {
    const server = createServer(() => undefined).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new HttpRbmClient({ baseUrl: `http://127.0.0.1:${port}`, auth: noAuth, timeoutMs: 100, maxAttempts: 1 });
      const error = await client.sendMessage({ agentId: 'a@rbm.goog', phone: PHONE, message: messages.text('hi') }).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.match(/did not answer/);
      expect(error?.message).not.to.include('5550001234');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('an error answer quoting the number does not print it', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { status: 'NOT_FOUND', message: `Phone ${PHONE} is not RCS capable` } }));
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const client = new HttpRbmClient({ baseUrl: `http://127.0.0.1:${port}`, auth: noAuth, maxAttempts: 1 });
      const error = await client.sendMessage({ agentId: 'a@rbm.goog', phone: PHONE, message: messages.text('hi') }).then(() => undefined, (e: Error) => e);
      expect(error?.message).to.include('not RCS capable');
      expect(error?.message).not.to.include('5550001234');
    } finally {
      server.close();
    }
  });
});
