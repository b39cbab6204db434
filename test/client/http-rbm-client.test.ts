import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import {
  AgentNotAllowedError,
  HttpRbmClient,
  InvalidRequestError,
  MessageLimitError,
  messages,
  noAuth,
  RbmAuthError,
  RbmNetworkError,
  RbmRateLimitError,
  RbmServerError,
  staticToken,
  suggestions,
  UnsupportedByDeviceError,
  UserNotReachableError,
} from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';
import { rejection } from '../helpers/rejection.js';

const AGENT = 'shop@rbm.goog';
const PHONE = '+12223334444';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;


describe('HttpRbmClient against a fake RBM API on loopback', () => {
  let api: FakeRbmApi;
  let client: HttpRbmClient;

  beforeEach(async () => {
    api = await FakeRbmApi.start({ token: 'test-access-token' });
    client = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('test-access-token'), backoff: { baseMs: 5, maxMs: 20 } });
  });
  afterEach(() => api.close());

  describe('each call, checked as Google would', () => {
    it('sends a text with a fresh UUID messageId, the agentId and the bearer token', async () => {
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('Hello') });
      expect(messageId).to.match(UUID);
      const request = api.requests[0]!;
      expect(request).to.deep.include({ method: 'POST', path: `/v1/phones/${PHONE}/agentMessages`, status: 200 });
      expect(request.query).to.deep.equal({ messageId, agentId: AGENT });
      expect(request.headers.authorization).to.equal('Bearer test-access-token');
      expect(request.body).to.deep.equal({ contentMessage: { text: 'Hello' } });
      const second = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('Again') });
      expect(second.messageId).not.to.equal(messageId);
    });

    it('sends suggested replies and actions, a rich card, a carousel, a file by URL and an uploaded file', async () => {
      const chips = [
        suggestions.reply('Yes', 'yes'),
        suggestions.dial('Call', '+15551234567'),
        suggestions.openUrl('Site', 'https://example.com', { application: 'WEBVIEW', webviewViewMode: 'HALF' }),
        suggestions.shareLocation('Where?'),
        suggestions.viewLocation('Shop', { latitude: 1, longitude: 2, label: 'Shop' }),
        suggestions.calendarEvent('Book', { title: 'Visit', startTime: '2026-12-01T10:00:00Z', endTime: '2026-12-01T11:00:00Z' }),
      ];
      const sent = [
        messages.text('Pick', chips),
        messages.card({ title: 'Order 42', description: 'On its way', imageUrl: 'https://example.com/a.jpg', suggestions: [suggestions.reply('Track', 'track')] }),
        messages.carousel([{ title: 'A' }, { title: 'B', imageUrl: 'https://example.com/b.jpg' }], undefined, { width: 'SMALL' }),
        messages.file('https://example.com/doc.pdf', 'https://example.com/thumb.jpg'),
        messages.uploadedFile('files/abc', 'files/thumb'),
      ];
      for (const message of sent) await client.sendMessage({ agentId: AGENT, phone: PHONE, message });
      expect(api.messages.map((m) => m.message)).to.deep.equal(sent);
      const text = api.messages[0]!.message.contentMessage;
      expect(text.suggestions![1]).to.deep.equal({ action: { text: 'Call', postbackData: 'Call', dialAction: { phoneNumber: '+15551234567' } } });
      expect(api.messages[2]!.message.contentMessage.richCard!.carouselCard!.cardContents).to.have.length(2);
    });

    it('sends READ and IS_TYPING with a fresh UUID eventId', async () => {
      const read = await client.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'READ', messageId: 'USER-MSG' } });
      await client.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'IS_TYPING' } });
      expect(read.eventId).to.match(UUID);
      expect(api.requests.map((r) => [r.path, r.query.agentId, r.body])).to.deep.equal([
        [`/v1/phones/${PHONE}/agentEvents`, AGENT, { eventType: 'READ', messageId: 'USER-MSG' }],
        [`/v1/phones/${PHONE}/agentEvents`, AGENT, { eventType: 'IS_TYPING' }],
      ]);
    });

    it('revokes an undelivered message, and says false for one already gone (404)', async () => {
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('oops') });
      expect(await client.revokeMessage({ agentId: AGENT, phone: PHONE, messageId })).to.equal(true);
      expect(await client.revokeMessage({ agentId: AGENT, phone: PHONE, messageId })).to.equal(false);
      expect(api.requests[1]).to.deep.include({ method: 'DELETE', path: `/v1/phones/${PHONE}/agentMessages/${messageId}` });
    });

    it('reads capabilities, single (with a UUID requestId) and bulk', async () => {
      expect(await client.getCapabilities({ agentId: AGENT, phone: PHONE })).to.include('RICHCARD_STANDALONE');
      expect(api.requests[0]!.query.requestId).to.match(UUID);
      api.unreachable.add('+15550000000');
      const bulk = await client.batchGetCapabilities({ agentId: AGENT, phones: [PHONE, '+15550000000'] });
      expect(bulk.reachableUsers).to.deep.equal([PHONE]);
      // users:batchGet carries agentId in the body, not the query (the body is the whole request).
      expect(api.requests[1]).to.deep.include({ method: 'POST', path: '/v1/users:batchGet', query: {}, body: { users: [PHONE, '+15550000000'], agentId: AGENT } });
    });

    it('uploads a file as bytes or by URL', async () => {
      const bytes = await client.uploadFile({ agentId: AGENT, data: Buffer.from('PNGDATA'), contentType: 'image/png' });
      const byUrl = await client.uploadFile({ agentId: AGENT, fileUrl: 'https://example.com/a.png', thumbnailUrl: 'https://example.com/t.png' });
      expect([bytes.name, byUrl.name]).to.deep.equal(['files/fake-1', 'files/fake-2']);
      // Bytes: a multipart/related upload, agentId in its JSON metadata part; by URL: agentId in the body.
      expect(api.requests[0]).to.deep.include({ path: '/upload/v1/files', query: { uploadType: 'multipart' } });
      expect(api.requests[0]!.headers['content-type']).to.match(/^multipart\/related; boundary=/);
      expect(api.uploads[0]).to.deep.include({ agentId: AGENT, contentType: 'image/png' });
      expect(api.uploads[0]!.data!.toString()).to.equal('PNGDATA');
      expect(api.requests[1]).to.deep.include({ path: '/v1/files', query: {}, body: { fileUrl: 'https://example.com/a.png', thumbnailUrl: 'https://example.com/t.png', agentId: AGENT } });
    });
  });

  describe('errors typed by meaning', () => {
    it('404: the user cannot get RCS (permanent, fall back to SMS)', async () => {
      api.unreachable.add(PHONE);
      const error = await rejection(client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }));
      expect(error).to.be.instanceOf(UserNotReachableError).and.include({ status: 404, permanent: true, reason: 'NOT_FOUND' });
      expect(api.requests).to.have.length(1);
    });

    it('400: unsupported; 403: not allowed; 401: token refused; none retried', async () => {
      api.failNext(1, 400);
      expect(await rejection(client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }))).to.be.instanceOf(UnsupportedByDeviceError);
      api.failNext(1, 403);
      expect(await rejection(client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }))).to.be.instanceOf(AgentNotAllowedError);
      const wrongToken = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('nope') });
      expect(await rejection(wrongToken.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }))).to.be.instanceOf(RbmAuthError);
      expect(api.requests).to.have.length(3);
    });

    it('a bad phone number fails before sending', async () => {
      const error = await rejection(client.sendMessage({ agentId: AGENT, phone: '2223334444', message: messages.text('x') }));
      expect(error).to.be.instanceOf(InvalidRequestError);
      // The number is masked even when it is not E.164: an error message is logged.
      expect(error.message).to.equal('phone: expected an E.164 number like +12223334444, got "2223****44"');
      expect(api.requests).to.have.length(0);
    });

    it('429 and 5xx are retried, and a retried send keeps its messageId so Google drops the copy', async () => {
      api.failNext(1, 500);
      api.failNext(1, 503);
      api.failNext(1, 429, { retryAfter: '0' });
      const { messageId } = await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('persist') });
      expect(api.requests.map((r) => r.status)).to.deep.equal([500, 503, 429, 200]);
      expect(new Set(api.requests.map((r) => r.query.messageId))).to.deep.equal(new Set([messageId]));
      expect(api.texts()).to.deep.equal(['persist']);
    });

    it('honours Retry-After before retrying', async () => {
      api.failNext(1, 429, { retryAfter: '1' });
      const started = Date.now();
      await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('later') });
      expect(Date.now() - started).to.be.at.least(950);
      expect(api.requests.map((r) => r.status)).to.deep.equal([429, 200]);
    });

    it('does not wait out a Retry-After beyond its bound: fails at once, retryable', async () => {
      api.failNext(1, 429, { retryAfter: '3600' });
      const error = await rejection(client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }));
      expect(error).to.be.instanceOf(RbmRateLimitError).and.include({ permanent: false });
      expect(api.requests).to.have.length(1);
    });

    it('gives up after a bounded number of attempts', async () => {
      const limited = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('test-access-token'), maxAttempts: 3, backoff: { baseMs: 1, maxMs: 2 } });
      api.failNext(5, 503);
      expect(await rejection(limited.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('x') }))).to.be.instanceOf(RbmServerError);
      expect(api.requests).to.have.length(3);
    });

    it('bounds every call with a timeout, retrying a slow answer with the same id', async () => {
      const impatient = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('test-access-token'), timeoutMs: 100, maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } });
      api.failNext(1, 200, { delayMs: 400 });
      const { messageId } = await impatient.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('slow') });
      await new Promise((r) => setTimeout(r, 400));
      // The slow first attempt did land too: the same id made Google (the fake) keep one copy.
      expect(api.messages.filter((m) => m.messageId === messageId)).to.have.length(1);
      const once = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('test-access-token'), timeoutMs: 100, maxAttempts: 1 });
      api.failNext(1, 200, { delayMs: 400 });
      const error = await rejection(once.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'IS_TYPING' } }));
      expect(error).to.be.instanceOf(RbmNetworkError).and.include({ reason: 'TIMEOUT' });
    });

    it('an unreachable API is a retryable network error', async () => {
      const nowhere = new HttpRbmClient({ baseUrl: 'http://127.0.0.1:1', auth: noAuth(), maxAttempts: 2, backoff: { baseMs: 1, maxMs: 2 } });
      const error = await rejection(nowhere.sendEvent({ agentId: AGENT, phone: PHONE, event: { eventType: 'IS_TYPING' } }));
      expect(error).to.be.instanceOf(RbmNetworkError).and.include({ permanent: false, reason: 'NETWORK' });
    });
  });

  describe('limits checked before sending', () => {
    const cases: Array<[string, Parameters<HttpRbmClient['sendMessage']>[0]['message'], string]> = [
      ['text', messages.text('x'.repeat(3073)), 'contentMessage.text: expected 1 to 3072 characters, got 3073'],
      ['suggestions per message', messages.text('x', Array.from({ length: 12 }, (_, i) => suggestions.reply(`s${i}`))), 'contentMessage.suggestions: expected at most 11 suggestions, got 12'],
      ['suggestion text', messages.text('x', [suggestions.reply('y'.repeat(26), 'p')]), 'contentMessage.suggestions[0].text: expected 1 to 25 characters'],
      ['postbackData', messages.text('x', [suggestions.reply('y', 'p'.repeat(2049))]), 'contentMessage.suggestions[0].postbackData: expected a string of at most 2048 characters, got 2049'],
      ['card title', messages.card({ title: 't'.repeat(201) }), 'cardContent.title: expected at most 200 characters, got 201'],
      ['card description', messages.card({ description: 'd'.repeat(2001) }), 'cardContent.description: expected at most 2000 characters, got 2001'],
      ['suggestions per card', messages.card({ title: 't', suggestions: Array.from({ length: 5 }, (_, i) => suggestions.reply(`s${i}`)) }), 'cardContent.suggestions: expected at most 4 suggestions, got 5'],
      ['carousel too small', messages.carousel([{ title: 'a' }]), 'carouselCard.cardContents: expected 2 to 10 cards, got 1'],
      ['carousel too big', messages.carousel(Array.from({ length: 11 }, () => ({ title: 'a' }))), 'expected 2 to 10 cards, got 11'],
      ['ttl', messages.text('x', undefined, { ttl: `${15 * 86400 + 1}s` }), 'ttl: expected a duration like "3.5s" of at most 1296000s (15 days)'],
      ['expireTime', messages.text('x', undefined, { expireTime: new Date(Date.now() + 16 * 86400_000).toISOString() }), 'expireTime: expected an RFC 3339 time at most 15 days ahead'],
      ['one content kind', { contentMessage: { text: 'a', contentInfo: { fileUrl: 'https://x' } } }, 'contentMessage: expected exactly one of text, richCard, contentInfo, uploadedRbmFile, got "text, contentInfo"'],
      ['whole message', messages.carousel(Array.from({ length: 10 }, (_, i) => ({ title: `${i}`, imageUrl: `https://example.com/${'a'.repeat(30_000)}` }))), 'AgentMessage: expected at most 256000 bytes as JSON, got 30'],
    ];
    for (const [what, message, expected] of cases) {
      it(`refuses a message over the ${what} limit, naming field, limit and value`, async () => {
        const error = await rejection(client.sendMessage({ agentId: AGENT, phone: PHONE, message }));
        expect(error).to.be.instanceOf(MessageLimitError).and.include({ permanent: true });
        expect(error.message).to.include(expected);
        expect(api.requests).to.have.length(0);
      });
    }
  });

  it('sets messageTrafficType per agent, with a per-message override', async () => {
    const typed = new HttpRbmClient({ baseUrl: api.url, auth: staticToken('test-access-token'), trafficType: { [AGENT]: 'TRANSACTION', default: 'SERVICEREQUEST' } });
    await typed.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('a') });
    await typed.sendMessage({ agentId: 'other@rbm.goog', phone: PHONE, message: messages.text('b') });
    await typed.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text('c', undefined, { trafficType: 'PROMOTION' }) });
    expect(api.messages.map((m) => m.message.messageTrafficType)).to.deep.equal(['TRANSACTION', 'SERVICEREQUEST', 'PROMOTION']);
  });

  it('keeps connections alive: 30 sends do not open 30 connections', async () => {
    for (let i = 0; i < 30; i += 1) await client.sendMessage({ agentId: AGENT, phone: PHONE, message: messages.text(`m${i}`) });
    expect(api.messages).to.have.length(30);
    expect(api.connections).to.be.at.most(2);
  });

  it('targets the global endpoint by default and a regional one by config', () => {
    expect(new HttpRbmClient({ auth: noAuth() }).baseUrl).to.equal('https://rcsbusinessmessaging.googleapis.com');
    expect(new HttpRbmClient({ auth: noAuth(), region: 'europe' }).baseUrl).to.equal('https://europe-rcsbusinessmessaging.googleapis.com');
    expect(new HttpRbmClient({ auth: noAuth(), baseUrl: 'http://127.0.0.1:9/' }).baseUrl).to.equal('http://127.0.0.1:9');
  });
});
