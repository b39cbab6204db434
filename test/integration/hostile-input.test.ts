import { request } from 'node:http';
import { expect } from 'chai';
import fc from 'fast-check';
import { payloads, post, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';
import { recorder } from '../helpers/recorder.js';

const TOKEN = 'HOSTILETOKEN0001';
const LIMIT = 64 * 1024;

/**
 * Sends raw bytes with raw headers (repeats allowed), resolving with status and body. Host and
 * Content-Length are added unless given, so only what a case names is malformed.
 */
function rawRequest(url: string, body: Buffer | string, headers: Array<[string, string]>): Promise<{ status: number; body: string }> {
  const { hostname, port, pathname, host } = new URL(url);
  const names = new Set(headers.map(([name]) => name.toLowerCase()));
  const framed: Array<[string, string]> = [
    ...(names.has('host') ? [] : [['host', host] as [string, string]]),
    ...(names.has('content-length') ? [] : [['content-length', String(Buffer.byteLength(body))] as [string, string]]),
    ...headers,
  ];
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: pathname, method: 'POST', headers: framed.flat() as unknown as Record<string, string> }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function expectJsonError(answer: { status: number; body: string }): void {
  expect(answer.status, answer.body).to.be.within(400, 499);
  const parsed = JSON.parse(answer.body) as { error: unknown; message: unknown };
  expect(parsed.error).to.be.a('string');
  expect(parsed.message).to.be.a('string');
}

describe('hostile input', function () {
  this.timeout(120_000);
  let t: TestBot;
  let rec: ReturnType<typeof recorder>;

  before(async () => {
    rec = recorder();
    t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [rec.plugin] }, bodyLimit: LIMIT });
  });
  after(() => t.close());
  afterEach(async () => {
    // Whatever came before, the server still serves a genuine push.
    const seen = rec.seen.length;
    expect((await t.push(payloads.text({ text: 'genuine' }))).status).to.equal(200);
    expect(rec.seen.length).to.equal(seen + 1);
  });

  describe('properties (fast-check)', () => {
    it('any body, any headers: never a 5xx, always a JSON error, never a plugin call', async () => {
      const body = fc.oneof(
        fc.string({ maxLength: 2000 }),
        fc.jsonValue({ maxDepth: 6 }).map((v) => JSON.stringify(v)),
        fc.record({ message: fc.record({ data: fc.oneof(fc.string(), fc.base64String(), fc.jsonValue()), attributes: fc.jsonValue() }, { requiredKeys: [] }), subscription: fc.jsonValue() }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
        fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes)),
      );
      const headers = fc.array(
        fc.tuple(fc.constantFrom('x-goog-signature', 'content-type', 'content-encoding', 'x-other'), fc.stringMatching(/^[\x21-\x7e]{0,120}$/)),
        { maxLength: 4 },
      );
      await fc.assert(
        fc.asyncProperty(body, headers, async (payload, extra) => {
          const before = rec.seen.length;
          const answer = await rawRequest(`${t.url}/webhook`, payload, extra);
          expect(answer.status, `${answer.status} ${answer.body}`).to.be.below(500);
          if (answer.status !== 200) expectJsonError(answer);
          expect(rec.seen.length).to.equal(before);
        }),
        { numRuns: 300 },
      );
    });

    it('signed data of any shape: answered 200 or 400, never 5xx, and a plugin sees only what verified', async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify(v)), fc.string(), fc.uint8Array({ minLength: 1, maxLength: 500 })), async (data) => {
          const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
          const answer = await post(`${t.url}/webhook`, signedPush(bytes, { token: TOKEN }));
          expect([200, 400]).to.include(answer.status);
        }),
        { numRuns: 300 },
      );
    });

    it('a signature that is not the right one is refused, whatever it is', async () => {
      const genuine = signedPush(payloads.text({ text: 'x' }), { token: TOKEN });
      await fc.assert(
        fc.asyncProperty(fc.oneof(fc.base64String({ minLength: 1, maxLength: 120 }), fc.stringMatching(/^[\x21-\x7e]{1,120}$/)), async (signature) => {
          fc.pre(signature !== genuine.headers['x-goog-signature']);
          const before = rec.seen.length;
          const answer = await rawRequest(`${t.url}/webhook`, genuine.body, [['content-type', 'application/json'], ['x-goog-signature', signature]]);
          expect(answer.status).to.equal(401);
          expect(rec.seen.length).to.equal(before);
        }),
        { numRuns: 200 },
      );
    });
  });

  describe('named cases', () => {
    it('deeply nested JSON, in the body and in the signed data', async () => {
      const deep = `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
      expectJsonError(await rawRequest(`${t.url}/webhook`, deep, [['content-type', 'application/json']]));
      const nested = `{"message":{"data":"eA==","attributes":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}}`;
      expectJsonError(await rawRequest(`${t.url}/webhook`, nested, [['content-type', 'application/json']]));
      const signedDeep = await post(`${t.url}/webhook`, signedPush(`{"agentId":"a","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, { token: TOKEN }));
      expect(signedDeep.status).to.equal(200);
      expect(rec.seen.at(-1)!.event.type).to.equal('unknown');
    });

    it('megabyte strings: over the limit is 413, a long field under it is served', async () => {
      const huge = JSON.stringify({ message: { data: 'A'.repeat(1024 * 1024) } });
      const answer = await rawRequest(`${t.url}/webhook`, huge, [['content-type', 'application/json']]);
      expect(answer.status).to.equal(413);
      expectJsonError(answer);
      const long = await post(`${t.url}/webhook`, signedPush(payloads.text({ text: 'y'.repeat(40_000) }), { token: TOKEN }));
      expect(long.status).to.equal(200);
    });

    it('__proto__ keys in the body are refused (400); constructor keys are inert; nothing is polluted', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: TOKEN });
      for (const poisoned of [
        push.body.replace('{"message":{', '{"__proto__":{"polluted":3},"message":{'),
        push.body.replace('"attributes":{', '"attributes":{"__proto__":{"polluted":4},'),
      ]) {
        const answer = await rawRequest(`${t.url}/webhook`, poisoned, Object.entries(push.headers));
        expectJsonError(answer);
        expect(JSON.parse(answer.body)).to.deep.equal({ error: 'forbidden_key', message: 'expected no "__proto__" keys in the body' });
      }
      const withConstructor = push.body.replace('{"message":{', '{"constructor":{"prototype":{"polluted":5}},"message":{');
      expect((await rawRequest(`${t.url}/webhook`, withConstructor, Object.entries(push.headers))).status).to.equal(200);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect((Object.prototype as unknown as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it('__proto__ and constructor keys in the signed data are inert: served, and nothing polluted', async () => {
      const data = '{"agentId":"a@rbm.goog","senderPhoneNumber":"+1222","messageId":"p1","text":"hi","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}';
      const answer = await post(`${t.url}/webhook`, signedPush(data, { token: TOKEN }));
      expect(answer.status).to.equal(200);
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
      expect((Object.prototype as unknown as Record<string, unknown>).polluted).to.equal(undefined);
      const event = rec.seen.at(-1)!.event;
      expect(event.type).to.equal('text');
      expect(Object.getPrototypeOf(event)).to.equal(Object.prototype);
      expect((event as unknown as Record<string, unknown>).polluted).to.equal(undefined);
    });

    it('signed data starting with a UTF-8 byte order mark is served, the mark skipped', async () => {
      const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"agentId":"a@rbm.goog","senderPhoneNumber":"+1222","messageId":"bom1","text":"hi"}')]);
      const answer = await post(`${t.url}/webhook`, signedPush(data, { token: TOKEN }));
      expect(answer.status).to.equal(200);
      const event = rec.seen.at(-1)!.event;
      expect(event).to.include({ type: 'text', id: 'bom1' });
    });

    it('invalid UTF-8 in the signed data is 400', async () => {
      expectJsonError(await rawRequest(`${t.url}/webhook`, signedPush(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { token: TOKEN }).body, Object.entries(signedPush(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), { token: TOKEN }).headers)));
    });

    it('a repeated signature header is refused, even when both copies are right', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: TOKEN });
      const signature = push.headers['x-goog-signature']!;
      const answer = await rawRequest(`${t.url}/webhook`, push.body, [['content-type', 'application/json'], ['x-goog-signature', signature], ['x-goog-signature', signature]]);
      expect(answer.status).to.equal(401);
    });

    it('a repeated Content-Length is refused by the HTTP parser without taking the server down', async () => {
      const push = signedPush(payloads.text({ text: 'x' }), { token: TOKEN });
      const answer = await rawRequest(`${t.url}/webhook`, push.body, [
        ['content-type', 'application/json'],
        ['x-goog-signature', push.headers['x-goog-signature']!],
        ['content-length', String(Buffer.byteLength(push.body))],
        ['content-length', '5'],
      ]).catch(() => ({ status: 400, body: '{"error":"bad_request","message":"refused by the parser"}' }));
      expect(answer.status).to.equal(400);
    });

    it('oversized headers and requests without Host get JSON errors too, not a bare parser 400', async () => {
      const oversized = await rawRequest(`${t.url}/webhook`, '{}', [['x-padding', 'p'.repeat(20 * 1024)]]);
      expect(oversized.status).to.equal(431);
      expect(JSON.parse(oversized.body)).to.deep.equal({ error: 'headers_too_large', message: 'expected request headers of at most 16 KiB' });
      const { port } = new URL(t.url);
      const { connect } = await import('node:net');
      const socket = connect(Number(port), '127.0.0.1');
      let reply = '';
      socket.on('data', (d) => (reply += d.toString()));
      socket.end('POST /webhook HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
      await new Promise((resolve) => socket.once('close', resolve));
      expect(reply).to.match(/^HTTP\/1\.1 400/);
      expect(reply).to.include('"error":"bad_body"');
    });

    it('a gzip bomb is stopped at the limit after decompression', async () => {
      const { gzipSync } = await import('node:zlib');
      const bomb = gzipSync(Buffer.from(JSON.stringify({ message: { data: 'A'.repeat(10 * 1024 * 1024) } })));
      expect(bomb.length).to.be.below(LIMIT);
      const answer = await rawRequest(`${t.url}/webhook`, bomb, [['content-type', 'application/json'], ['content-encoding', 'gzip']]);
      expect(answer.status).to.equal(413);
    });
  });
});
