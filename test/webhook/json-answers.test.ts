import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { startTestBot, type TestBot } from 'rbmkit/testing';

const TOKEN = 'ANSWERSTOKEN0001';

/** Writes a raw request and resolves with everything the server sent before closing. */
function raw(url: string, text: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => socket.destroy(new Error(`no answer; got ${JSON.stringify(answer)}`)));
  });
}

function jsonOf(answer: string): { status: number; body: { error: string; message: string } } {
  const [head, body] = answer.split('\r\n\r\n');
  return { status: Number(head!.split(' ')[1]), body: JSON.parse(body!) };
}

describe('hardening: every answer is JSON', function () {
  this.timeout(20_000);
  let t: TestBot;
  before(async () => {
    t = await startTestBot({ partner: { clientToken: TOKEN } });
  });
  after(() => t.close());

  it('Expect other than 100-continue: 417 JSON', async () => {
    const answer = jsonOf(await raw(t.url, 'POST /webhook HTTP/1.1\r\nHost: x\r\nExpect: foo\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'));
    expect(answer.status).to.equal(417);
    expect(answer.body).to.have.property('error', 'expectation_failed');
    expect(answer.body.message).to.match(/expected/);
  });

  it('Expect: 100-continue still works', async () => {
    const answer = await raw(t.url, 'POST /webhook HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}');
    expect(answer).to.include('HTTP/1.1 100 Continue');
    expect(answer).to.include('"error":"bad_body"');
  });

  it('CONNECT: 405 JSON, connection closed', async () => {
    const answer = jsonOf(await raw(t.url, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    expect(answer.status).to.equal(405);
    expect(answer.body).to.have.property('error', 'method_not_allowed');
  });

  it('an unsupported Content-Encoding: 415 unsupported_encoding, not 400 bad_json', async () => {
    const answer = await t.postRaw('/webhook', '{"a":1}', { 'content-type': 'application/json', 'content-encoding': 'foo' });
    expect(answer.status).to.equal(415);
    expect(answer.body).to.deep.include({ error: 'unsupported_encoding' });
  });

  it('a supported one (gzip) still parses', async () => {
    const { hostname, port } = new URL(t.url);
    const body = gzipSync('{"a":1}');
    const response = await fetch(`http://${hostname}:${port}/webhook`, { method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } });
    expect(response.status).to.equal(400);
    expect(await response.json()).to.have.property('error', 'bad_body');
  });
});
