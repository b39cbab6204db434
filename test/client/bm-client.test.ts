// BmClient against the fake BM API over real HTTP, and the fake's own refusals (as Google's).
import { expect } from 'chai';
import { BmClient, InvalidRequestError, MessageLimitError, messages, RbmAuthError, staticToken, noAuth, suggestions, UserNotReachableError } from 'rbmkit';
import { FakeBmApi } from 'rbmkit/testing';
import { rejection } from '../helpers/rejection.js';

const CONV = 'CONV-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('BmClient and FakeBmApi', () => {
  let api: FakeBmApi;
  let client: BmClient;
  beforeEach(async () => {
    api = await FakeBmApi.start({ token: 'bm-token', conversations: [CONV] });
    client = new BmClient({ baseUrl: api.url, auth: staticToken('bm-token'), representative: { representativeType: 'BOT', displayName: 'Cafe bot' }, backoff: { baseMs: 1, maxMs: 5 } });
  });
  afterEach(() => api.close());

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: 'Bearer bm-token', 'content-type': 'application/json' }, method = 'POST') =>
    fetch(api.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }).then(async (r) => ({ status: r.status, body: (await r.json()) as { error?: { code: number; status: string; message: string } } }));

  it('sends a text with the configured representative, and reuses a given messageId (a retry), answered once', async () => {
    const { messageId } = await client.sendMessage({ agentId: 'brands/b/agents/a', phone: CONV, message: messages.text('Hi', [suggestions.reply('Yes', 'yes'), suggestions.openUrl('Site', 'https://example.com')]) });
    expect(messageId).to.match(UUID);
    expect(api.messages[0]!.body).to.deep.equal({
      messageId,
      representative: { representativeType: 'BOT', displayName: 'Cafe bot' },
      text: 'Hi',
      suggestions: [{ reply: { text: 'Yes', postbackData: 'yes' } }, { action: { text: 'Site', postbackData: 'Site', openUrlAction: { url: 'https://example.com' } } }],
    });
    await client.sendMessage({ agentId: '', phone: CONV, message: messages.text('Hi'), messageId });
    expect(api.messages).to.have.length(1);
    expect(api.requests[0]!.query).to.deep.equal({}, 'no agentId nor messageId in the query: BM carries them in the body');
  });

  it('maps a standalone rich card and an image by URL; refuses what BM cannot carry, naming it, before sending', async () => {
    await client.sendMessage({ agentId: '', phone: CONV, message: messages.card({ title: 'Latte', description: 'Hot', imageUrl: 'https://x/l.jpg', height: 'MEDIUM' }) });
    const card = api.messages[0]!.body.richCard as { standaloneCard: { cardContent: Record<string, unknown> } };
    expect(card.standaloneCard.cardContent).to.deep.include({ title: 'Latte', description: 'Hot', media: { height: 'MEDIUM', contentInfo: { fileUrl: 'https://x/l.jpg' } } });
    expect(card.standaloneCard).to.have.keys('cardContent');
    await client.sendMessage({ agentId: '', phone: CONV, message: messages.file('https://x/cat.png') });
    expect(api.messages[1]!.body.image).to.deep.equal({ contentInfo: { fileUrl: 'https://x/cat.png' } });
    const upload = await rejection(client.sendMessage({ agentId: '', phone: CONV, message: messages.uploadedFile('files/abc') }));
    expect(upload).to.be.instanceOf(MessageLimitError);
    expect(upload.message).to.match(/^contentMessage\.uploadedRbmFile: .*Business Messages cannot carry it/);
    const share = await rejection(client.sendMessage({ agentId: '', phone: CONV, message: messages.text('Where?', [suggestions.shareLocation('Send location')]) }));
    expect(share.message).to.match(/contentMessage\.suggestions\[0\]\.action: expected a reply, an openUrlAction or a dialAction.*shareLocationAction/);
    const ttl = await rejection(client.sendMessage({ agentId: '', phone: CONV, message: { contentMessage: { text: 'x' }, ttl: '10s' } }));
    expect(ttl.message).to.match(/^ttl: /);
    expect(api.messages).to.have.length(2);
  });

  it('READ is a receipt PATCH; IS_TYPING a TYPING_STARTED event with eventId in the query', async () => {
    await client.sendEvent({ agentId: '', phone: CONV, event: { eventType: 'READ', messageId: 'M1' } });
    const { eventId } = await client.sendEvent({ agentId: '', phone: CONV, event: { eventType: 'IS_TYPING' } });
    expect(api.requests.map((r) => [r.method, r.path, r.query])).to.deep.equal([
      ['PATCH', `/v1/conversations/${CONV}/messages/M1/receipt`, {}],
      ['POST', `/v1/conversations/${CONV}/events`, { eventId }],
    ]);
    expect(api.requests[0]!.body).to.deep.equal({ receiptType: 'READ' });
    expect(api.events).to.deep.equal([{ conversationId: CONV, eventId, eventType: 'TYPING_STARTED', representative: { representativeType: 'BOT', displayName: 'Cafe bot' } }]);
  });

  it('rejects the calls BM has not, and a conversation id that would leave its path segment', async () => {
    for (const call of [
      client.getCapabilities(),
      client.batchGetCapabilities(),
      client.uploadFile(),
      client.revokeMessage(),
      client.sendMessage({ agentId: '', phone: '../x', message: messages.text('x') }),
    ]) {
      const error = await rejection(call);
      expect(error).to.be.instanceOf(InvalidRequestError);
    }
    expect(api.requests).to.deep.equal([]);
  });

  it('types the fake\'s answers: 404 for an unknown conversation, 401 for a wrong token', async () => {
    const gone = await rejection(client.sendMessage({ agentId: '', phone: 'NOPE-conversation-9', message: messages.text('x') }));
    expect(gone).to.be.instanceOf(UserNotReachableError);
    // Google's text names the conversation, the user's address: masked in the error, as phone numbers are.
    expect(gone.message).to.include('Conversation * not found').and.not.include('NOPE-conversation-9');
    const anonymous = new BmClient({ baseUrl: api.url, auth: noAuth(), maxAttempts: 1 });
    const error = await rejection(anonymous.sendMessage({ agentId: '', phone: CONV, message: messages.text('x') }));
    expect(error).to.be.instanceOf(RbmAuthError);
    expect(error.message).to.match(/^Business Messages API answered 401 UNAUTHENTICATED/);
  });

  it('the fake refuses what Google refused, with Google\'s error JSON', async () => {
    const path = `/v1/conversations/${CONV}/messages`;
    const ok = { messageId: '3f1e2d4c-5b6a-4789-8a0b-1c2d3e4f5a6b', representative: { representativeType: 'BOT' }, text: 'hi' };
    const cases: Array<[string, Promise<{ status: number; body: { error?: { code: number; status: string; message: string } } }>, number, RegExp]> = [
      ['no representative', post(path, { ...ok, representative: undefined }), 400, /representative is required/],
      ['a bad representativeType', post(path, { ...ok, representative: { representativeType: 'ROBOT' } }), 400, /BOT or HUMAN/],
      ['no messageId', post(path, { ...ok, messageId: undefined }), 400, /messageId is required/],
      ['a non-UUID messageId', post(path, { ...ok, messageId: 'M1' }), 400, /must be a UUID/],
      ['an unknown top-level field', post(path, { ...ok, contentMessage: { text: 'hi' } }), 400, /Unknown name "contentMessage"/],
      ['text and richCard together', post(path, { ...ok, richCard: { standaloneCard: {} } }), 400, /Exactly one of text, richCard or image.*text and richCard/],
      ['no bearer token', post(path, ok, { 'content-type': 'application/json' }), 401, /authentication credentials/],
      ['a wrong method', post(path, undefined, { authorization: 'Bearer bm-token' }, 'GET'), 405, /Expected POST/],
      ['a receipt other than READ', post(`${path}/M1/receipt`, { receiptType: 'DELIVERED' }, undefined, 'PATCH'), 400, /receiptType must be READ/],
      ['an event without eventId', post(`/v1/conversations/${CONV}/events`, { eventType: 'TYPING_STARTED', representative: { representativeType: 'BOT' } }), 400, /eventId is required/],
      ['an unknown path', post('/v1/phones/+15550001111/agentMessages', ok), 404, /No such method/],
      ['an unknown conversation', post('/v1/conversations/OTHER/messages', ok), 404, /Conversation OTHER not found/],
      ['a malformed percent-encoding', post(`/v1/conversations/${CONV}/messages/%E0%A4%A/receipt`, { receiptType: 'READ' }, undefined, 'PATCH'), 400, /percent-encoding/],
    ];
    for (const [what, answer, status, message] of cases) {
      const { status: got, body } = await answer;
      expect(got, what).to.equal(status);
      expect(body.error?.code, what).to.equal(status);
      expect(body.error?.status, what).to.be.a('string');
      expect(body.error?.message, what).to.match(message);
    }
    expect(api.messages).to.deep.equal([]);
    expect((await post(path, ok)).status).to.equal(200);
  });
});
