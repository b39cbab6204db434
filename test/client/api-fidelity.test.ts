import { expect } from 'chai';
import { HttpRbmClient, InvalidRequestError, MemoryRbmClient, messages, noAuth, RBM_API_URL, RbmRateLimitError, staticToken } from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';
import { testersCommand } from '../../core/cli/commands/testers-command.js';
import { rejection } from '../helpers/rejection.js';

const AGENT = 'shop@rbm.goog';
const PHONE = '+12223334444';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;


/** One raw request to the fake, as an old or hand-written client would send it. */
async function raw(api: FakeRbmApi, method: string, pathAndQuery: string, body?: string | Buffer, contentType = 'application/json'): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = { authorization: 'Bearer rbm-token', ...(body === undefined ? {} : { 'content-type': contentType }) };
  const response = await fetch(`${api.url}${pathAndQuery}`, { method, headers, ...(body === undefined ? {} : { body }) });
  return { status: response.status, json: await response.json() };
}

/** The parts of a multipart/related body: headers text and content. */
function partsOf(contentType: string, body: Buffer): Array<{ head: string; content: string }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)![1]!;
  return body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const [head, ...rest] = part.replace(/^\r\n/, '').replace(/\r\n$/, '').split('\r\n\r\n');
      return { head: head!, content: rest.join('\r\n\r\n') };
    });
}

describe('RBM API calls as Google documents them (the RBM REST reference), against the fake', () => {
  let api: FakeRbmApi;
  let client: HttpRbmClient;

  beforeEach(async () => {
    api = await FakeRbmApi.start({ token: 'rbm-token' });
    client = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('rbm-token'), maxAttempts: 1 });
  });
  afterEach(() => api.close());

  describe('phones/… calls: agentId in the query', () => {
    it('send a message: POST /v1/phones/{E.164}/agentMessages?messageId&agentId, body the AgentMessage', async () => {
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('Hi') });
      const [request] = api.requests;
      expect(request).to.deep.include({ method: 'POST', path: `/v1/phones/${PHONE}/agentMessages`, status: 200 });
      expect(request!.query).to.deep.equal({ messageId, agentId: AGENT });
      expect(request!.body).to.deep.equal({ contentMessage: { text: 'Hi' } });
      expect(messageId).to.match(UUID);
    });

    it('send an event: POST /v1/phones/{E.164}/agentEvents?eventId&agentId, body the event', async () => {
      const { eventId } = await client.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'READ', messageId: 'M1' } });
      expect(api.requests[0]).to.deep.include({ method: 'POST', path: `/v1/phones/${PHONE}/agentEvents`, status: 200, body: { eventType: 'READ', messageId: 'M1' } });
      expect(api.requests[0]!.query).to.deep.equal({ eventId, agentId: AGENT });
    });

    it('revoke: DELETE /v1/phones/{E.164}/agentMessages/{id}?agentId, no body', async () => {
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('oops') });
      expect(await client.revokeMessage({ agentId: AGENT, phone: PHONE, messageId })).to.equal(true);
      expect(api.requests[1]).to.deep.include({ method: 'DELETE', path: `/v1/phones/${PHONE}/agentMessages/${messageId}`, status: 200, body: undefined });
      expect(api.requests[1]!.query).to.deep.equal({ agentId: AGENT });
    });

    it('capabilities: GET /v1/phones/{E.164}/capabilities?requestId&agentId, no body', async () => {
      await client.getCapabilities({ agentId: AGENT, phone: PHONE });
      expect(api.requests[0]).to.deep.include({ method: 'GET', path: `/v1/phones/${PHONE}/capabilities`, status: 200, body: undefined });
      expect(Object.keys(api.requests[0]!.query).sort()).to.deep.equal(['agentId', 'requestId']);
      expect(api.requests[0]!.query).to.include({ agentId: AGENT });
    });

    it('an empty agentId is refused before sending (Google would answer 403)', async () => {
      const error = await rejection(client.sendMessage({ agentId: '', phone: PHONE, message: messages.text('x') }));
      expect(error).to.be.instanceOf(InvalidRequestError);
      expect(error.message).to.include("agentId: expected the agent's id");
      expect(api.requests).to.have.length(0);
    });
  });

  describe('calls whose body is the whole request: agentId in the JSON body', () => {
    it('bulk capabilities: POST /v1/users:batchGet, body {users, agentId}, nothing in the query', async () => {
      api.unreachable.add('+15550000000');
      const answer = await client.batchGetCapabilities({ agentId: AGENT, phones: [PHONE, '+15550000000'] });
      expect(answer.reachableUsers).to.deep.equal([PHONE]);
      const [request] = api.requests;
      expect(request).to.deep.include({ method: 'POST', path: '/v1/users:batchGet', status: 200, body: { users: [PHONE, '+15550000000'], agentId: AGENT } });
      expect(request!.query).to.deep.equal({});
      expect(request!.headers['content-type']).to.match(/^application\/json/);
    });

    it('bulk capabilities on the global endpoint is refused before sending; a region or a custom base URL is allowed', async () => {
      for (const global of [new HttpRbmClient({ auth: noAuth() }), new HttpRbmClient({ auth: noAuth(), baseUrl: `${RBM_API_URL}/` })]) {
        const error = await rejection(global.batchGetCapabilities({ agentId: AGENT, phones: [PHONE] }));
        expect(error).to.be.instanceOf(InvalidRequestError).and.include({ reason: 'REGION_REQUIRED', permanent: true });
        expect(error.message).to.include('users:batchGet: expected a regional endpoint (region: us, europe or asia; RBM_REGION), got the global one');
      }
      expect(new HttpRbmClient({ auth: noAuth(), region: 'us' }).baseUrl).to.equal('https://us-rcsbusinessmessaging.googleapis.com');
      await client.batchGetCapabilities({ agentId: AGENT, phones: [PHONE] });
      expect(api.requests).to.have.length(1);
    });

    it('a file by URL: POST /v1/files, body {fileUrl, thumbnailUrl, contentDescription, agentId}, nothing in the query', async () => {
      const { name } = await client.uploadFile({ agentId: AGENT, fileUrl: 'https://example.com/a.png', thumbnailUrl: 'https://example.com/t.png', contentDescription: 'A shoe' });
      expect(name).to.equal('files/fake-1');
      const [request] = api.requests;
      expect(request).to.deep.include({
        method: 'POST',
        path: '/v1/files',
        status: 200,
        body: { fileUrl: 'https://example.com/a.png', thumbnailUrl: 'https://example.com/t.png', contentDescription: 'A shoe', agentId: AGENT },
      });
      expect(request!.query).to.deep.equal({});
    });

    it('a file as bytes: POST /upload/v1/files?uploadType=multipart, multipart/related: metadata {agentId, contentDescription} then the bytes', async () => {
      const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
      const { name } = await client.uploadFile({ agentId: AGENT, data: png, contentType: 'image/png', contentDescription: 'A logo' });
      expect(name).to.equal('files/fake-1');
      const [request] = api.requests;
      expect(request).to.deep.include({ method: 'POST', path: '/upload/v1/files', status: 200 });
      expect(request!.query).to.deep.equal({ uploadType: 'multipart' });
      const contentType = request!.headers['content-type'] as string;
      expect(contentType).to.match(/^multipart\/related; boundary=\S+$/);
      const parts = partsOf(contentType, request!.body as Buffer);
      expect(parts).to.have.length(2);
      expect(parts[0]!.head).to.match(/^Content-Type: application\/json/i);
      expect(JSON.parse(parts[0]!.content)).to.deep.equal({ agentId: AGENT, contentDescription: 'A logo' });
      expect(parts[1]!.head).to.equal('Content-Type: image/png');
      expect(Buffer.from(parts[1]!.content, 'latin1')).to.deep.equal(png);
      expect(api.uploads[0]).to.deep.include({ agentId: AGENT, contentType: 'image/png', contentDescription: 'A logo', name: 'files/fake-1' });
      expect(api.uploads[0]!.data).to.deep.equal(png);
    });

    it('a file as bytes without a content type is refused before sending', async () => {
      const error = await rejection(client.uploadFile({ agentId: AGENT, data: Buffer.from('x'), contentType: '' }));
      expect(error).to.be.instanceOf(InvalidRequestError);
      expect(error.message).to.equal('upload: expected a content type like image/png, got ""');
      expect(api.requests).to.have.length(0);
    });
  });

  describe('tester invites: the Business Communications API', () => {
    it('POST {businessCommunicationsUrl}/v1/testers, body {agentId, phoneNumber}, its own base URL and token', async () => {
      const bc = await FakeRbmApi.start({ token: 'bc-token' });
      try {
        const both = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('rbm-token'), businessCommunicationsUrl: bc.url, businessCommunicationsAuth: staticToken('bc-token') });
        expect(await both.inviteTester({ agentId: AGENT, phone: PHONE })).to.deep.equal({ agentId: AGENT, phone: PHONE, inviteStatus: 'PENDING' });
        expect(api.requests).to.have.length(0);
        const [request] = bc.requests;
        expect(request).to.deep.include({ method: 'POST', path: '/v1/testers', status: 200, body: { agentId: AGENT, phoneNumber: PHONE } });
        expect(request!.query).to.deep.equal({});
        expect(request!.headers.authorization).to.equal('Bearer bc-token');
        expect(bc.testers.map((t) => [t.agentId, t.phone])).to.deep.equal([[AGENT, PHONE]]);
      } finally {
        await bc.close();
      }
    });

    it("targets Google's Business Communications API by default", () => {
      expect(new HttpRbmClient({ auth: noAuth() }).businessCommunicationsUrl).to.equal('https://businesscommunications.googleapis.com');
    });

    it('the fake allows 20 invites a day and 200 in all per agent, then answers 429 RESOURCE_EXHAUSTED', async () => {
      let now = Date.UTC(2026, 2, 1, 12);
      const limited = await FakeRbmApi.start({ now: () => now });
      try {
        const bcClient = new HttpRbmClient({ auth: noAuth(), businessCommunicationsUrl: limited.url, maxAttempts: 1 });
        for (let i = 0; i < 20; i += 1) await bcClient.inviteTester({ agentId: AGENT, phone: PHONE });
        const daily = await rejection(bcClient.inviteTester({ agentId: AGENT, phone: PHONE }));
        expect(daily).to.be.instanceOf(RbmRateLimitError).and.include({ status: 429, reason: 'RESOURCE_EXHAUSTED' });
        expect(daily.message).to.include('at most 20 tester requests a day');
        await bcClient.inviteTester({ agentId: 'other@rbm.goog', phone: PHONE });
        for (let day = 1; day < 10; day += 1) {
          now += 86_400_000;
          for (let i = 0; i < 20; i += 1) await bcClient.inviteTester({ agentId: AGENT, phone: PHONE });
        }
        now += 86_400_000;
        const total = await rejection(bcClient.inviteTester({ agentId: AGENT, phone: PHONE }));
        expect(total).to.be.instanceOf(RbmRateLimitError);
        expect(total.message).to.include('at most 200 tester requests in all');
        expect(limited.testers.filter((t) => t.agentId === AGENT)).to.have.length(200);
      } finally {
        await limited.close();
      }
    });

    it('MemoryRbmClient records invites', async () => {
      const memory = new MemoryRbmClient();
      await memory.inviteTester({ agentId: AGENT, phone: PHONE });
      expect(memory.testers).to.deep.equal([{ agentId: AGENT, phone: PHONE, inviteStatus: 'PENDING' }]);
    });
  });

  describe('the fake refuses what Google refuses, in Google\'s error JSON', () => {
    const denied = (json: unknown) => expect((json as { error: unknown }).error).to.include({ code: 403, status: 'PERMISSION_DENIED' });

    it('old style: agentId in the query of users:batchGet or files is not read, so it is missing: 403', async () => {
      const batch = await raw(api, 'POST', `/v1/users:batchGet?agentId=${encodeURIComponent(AGENT)}`, JSON.stringify({ users: [PHONE] }));
      expect(batch.status).to.equal(403);
      denied(batch.json);
      expect((batch.json as { error: { message: string } }).error.message).to.include('no agentId in the request body');
      const files = await raw(api, 'POST', `/v1/files?agentId=${encodeURIComponent(AGENT)}`, JSON.stringify({ fileUrl: 'https://example.com/a.png' }));
      expect(files.status).to.equal(403);
      denied(files.json);
      expect(api.uploads).to.have.length(0);
    });

    it('old style: raw bytes to /upload/v1/files with agentId in the query: 400 (not a multipart upload)', async () => {
      const old = await raw(api, 'POST', `/upload/v1/files?agentId=${encodeURIComponent(AGENT)}`, Buffer.from('PNG'), 'image/png');
      expect(old.status).to.equal(400);
      expect((old.json as { error: unknown }).error).to.include({ code: 400, status: 'INVALID_ARGUMENT' });
      const notMultipart = await raw(api, 'POST', `/upload/v1/files?uploadType=multipart&agentId=${encodeURIComponent(AGENT)}`, Buffer.from('PNG'), 'image/png');
      expect(notMultipart.status).to.equal(400);
      expect((notMultipart.json as { error: { message: string } }).error.message).to.include('Content-Type must be multipart/related');
      expect(api.uploads).to.have.length(0);
    });

    it('a multipart upload without the metadata part: 400; metadata without agentId: 403', async () => {
      const type = 'multipart/related; boundary=B';
      const mediaOnly = Buffer.from('--B\r\nContent-Type: image/png\r\n\r\nPNG\r\n--B--\r\n');
      expect((await raw(api, 'POST', '/upload/v1/files?uploadType=multipart', mediaOnly, type)).status).to.equal(400);
      const noAgent = Buffer.from('--B\r\nContent-Type: application/json\r\n\r\n{"contentDescription":"x"}\r\n--B\r\nContent-Type: image/png\r\n\r\nPNG\r\n--B--\r\n');
      const answer = await raw(api, 'POST', `/upload/v1/files?uploadType=multipart&agentId=${encodeURIComponent(AGENT)}`, noAgent, type);
      expect(answer.status).to.equal(403);
      denied(answer.json);
      const good = Buffer.from(`--B\r\nContent-Type: application/json\r\n\r\n{"agentId":"${AGENT}"}\r\n--B\r\nContent-Type: image/png\r\n\r\nPNG\r\n--B--\r\n`);
      expect((await raw(api, 'POST', '/upload/v1/files?uploadType=multipart', good, type)).status).to.equal(200);
      expect(api.uploads.map((u) => [u.agentId, u.contentType, u.data?.toString()])).to.deep.equal([[AGENT, 'image/png', 'PNG']]);
    });

    it('a JSON call with another content type: 400', async () => {
      const answer = await raw(api, 'POST', '/v1/users:batchGet', JSON.stringify({ users: [PHONE], agentId: AGENT }), 'text/plain');
      expect(answer.status).to.equal(400);
      expect((answer.json as { error: unknown }).error).to.include({ code: 400, status: 'INVALID_ARGUMENT' });
    });

    it('phones/… calls without agentId in the query: 403; agentId in their body does not count', async () => {
      const answer = await raw(api, 'POST', `/v1/phones/${PHONE}/agentMessages?messageId=${crypto.randomUUID()}`, JSON.stringify({ contentMessage: { text: 'x' }, agentId: AGENT }));
      expect(answer.status).to.equal(403);
      denied(answer.json);
      expect((await raw(api, 'GET', `/v1/phones/${PHONE}/capabilities?requestId=${crypto.randomUUID()}`)).status).to.equal(403);
    });

    it('tester invites: the removed RBM-API route is 404; an invite without agentId is 403', async () => {
      const removed = await raw(api, 'POST', `/v1/phones/${PHONE}/testers?agentId=${encodeURIComponent(AGENT)}`, '{}');
      expect(removed.status).to.equal(404);
      expect((removed.json as { error: { message: string } }).error.message).to.include('businesscommunications.googleapis.com/v1/testers');
      const noAgent = await raw(api, 'POST', `/v1/testers?agentId=${encodeURIComponent(AGENT)}`, JSON.stringify({ phoneNumber: PHONE }));
      expect(noAgent.status).to.equal(403);
      denied(noAgent.json);
      expect(api.testers).to.have.length(0);
    });
  });

  describe('rbmkit testers invite', () => {
    const saved = { ...process.env };
    let lines: string[];
    const log = console.log;
    const error = console.error;
    beforeEach(() => {
      lines = [];
      console.log = (line: string) => lines.push(line);
      console.error = (line: string) => lines.push(line);
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
      delete process.env.RBM_AGENT_ID;
    });
    afterEach(() => {
      console.log = log;
      console.error = error;
      for (const key of ['BUSINESS_COMMUNICATIONS_URL', 'RBM_AGENT_ID', 'GOOGLE_APPLICATION_CREDENTIALS']) {
        if (saved[key] === undefined) delete process.env[key];
        else process.env[key] = saved[key];
      }
    });

    it('invites each number through BUSINESS_COMMUNICATIONS_URL with the agent of --agent or RBM_AGENT_ID', async () => {
      const fake = await FakeRbmApi.start();
      try {
        process.env.BUSINESS_COMMUNICATIONS_URL = fake.url;
        expect(await testersCommand.run(['invite', PHONE, '--agent', AGENT])).to.equal(0);
        process.env.RBM_AGENT_ID = 'other@rbm.goog';
        expect(await testersCommand.run(['invite', '+15550001111'])).to.equal(0);
        expect(fake.requests.map((r) => [r.method, r.path, r.body])).to.deep.equal([
          ['POST', '/v1/testers', { agentId: AGENT, phoneNumber: PHONE }],
          ['POST', '/v1/testers', { agentId: 'other@rbm.goog', phoneNumber: '+15550001111' }],
        ]);
        expect(lines[0]).to.equal(`invited +122******44 to test ${AGENT} (PENDING)`);
      } finally {
        await fake.close();
      }
    });

    it('says what it expected: the action, numbers in E.164, an agent, credentials or a URL', async () => {
      const refusals: Array<[string[], string]> = [
        [['list'], 'expected invite <+E.164>…, got "list"'],
        [['invite'], 'expected at least one phone number in E.164 form'],
        [['invite', PHONE], 'expected the agent id: --agent ID or RBM_AGENT_ID'],
        [['invite', '2223334444', '--agent', AGENT], 'expected phone numbers in E.164 form like +12223334444, got "2223****44"'],
        [['invite', PHONE, '--agent', AGENT], 'expected GOOGLE_APPLICATION_CREDENTIALS (a service account allowed the businesscommunications scope) or BUSINESS_COMMUNICATIONS_URL'],
      ];
      delete process.env.BUSINESS_COMMUNICATIONS_URL;
      for (const [args, message] of refusals) {
        const error = await rejection(testersCommand.run(args));
        expect(error.message, args.join(' ')).to.include(message);
      }
    });
  });
});
