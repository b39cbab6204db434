import { expect } from 'chai';
import { payloads, startTestBot } from 'rbmkit/testing';
import { isEventName, namesFor } from '../../core/events/event-names.js';
import { parseEvent } from '../../core/events/parse-event.js';
import { recorder } from '../helpers/recorder.js';

const PUSH = { attributes: Object.create(null) as Record<string, string>, webhook: '/webhook', receivedAt: 0 };
const HOSTILE = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];

describe('hardening: names from the wire are never looked up on the prototype chain', () => {
  for (const eventType of HOSTILE) {
    it(`a signed eventType "${eventType}" is an unknown event whose type is a string`, () => {
      const event = parseEvent({ agentId: 'a@rbm.goog', senderPhoneNumber: '+12223334444', eventType, eventId: 'E1' }, PUSH);
      expect(event.type).to.equal('unknown');
      expect(typeof event.type).to.equal('string');
    });

    it(`"${eventType}" without a sender, with a phoneNumber (the server-event shape), is unknown too`, () => {
      const event = parseEvent({ agentId: 'a@rbm.goog', phoneNumber: '+12223334444', eventType, eventId: 'E1' }, PUSH);
      expect(event.type).to.equal('unknown');
    });

    it(`"${eventType}" is no event name, and has no delivery names`, () => {
      expect(isEventName(eventType)).to.equal(false);
      expect(namesFor(eventType as never)).to.deep.equal([]);
    });
  }

  it('end to end: a signed eventType "constructor" is served 200 and reaches plugins as `unknown`', async () => {
    const rec = recorder();
    const t = await startTestBot({ partner: { clientToken: 'PROTOTOKEN000001', plugins: [rec.plugin] } });
    try {
      for (const eventType of HOSTILE) {
        const answer = await t.push({ ...payloads.text({ text: 'x' }), text: undefined, eventType, eventId: `E-${eventType}` });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      }
      expect(rec.seen.map((s) => s.event.type)).to.deep.equal(HOSTILE.map(() => 'unknown'));
    } finally {
      await t.close();
    }
  });
});

describe('hardening: a per-agent client setting is looked up by own keys only', () => {
  it('trafficType by agent: an agentId "constructor" gets the default, not a function', async () => {
    const { HttpRbmClient, messages } = await import('rbmkit');
    const { createServer } = await import('node:http');
    const bodies: string[] = [];
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString()));
      req.on('end', () => {
        bodies.push(text);
        res.end('{}');
      });
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const { port } = server.address() as { port: number };
    try {
      const client = new HttpRbmClient({ baseUrl: `http://127.0.0.1:${port}`, auth: { getAccessToken: async () => undefined }, trafficType: { default: 'TRANSACTION' } });
      await client.sendMessage({ agentId: 'constructor', phone: '+12223334444', message: messages.text('hi') });
      expect(JSON.parse(bodies[0]!)).to.have.property('messageTrafficType', 'TRANSACTION');
    } finally {
      server.close();
    }
  });
});
