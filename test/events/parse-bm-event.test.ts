import { expect } from 'chai';
import type { PushInfo } from 'rbmkit';
import { parseBmEvent } from 'rbmkit/advanced';
import { bmPayloads } from 'rbmkit/testing';

const push: PushInfo = { attributes: {}, webhook: '/bm', receivedAt: 0 };
const AGENT = 'brands/cafe/agents/front';
const common = {
  agent: AGENT,
  conversationId: 'CONV-1',
  customAgentId: 'cafe-front',
  requestId: 'REQ-1',
  sendTime: '2024-05-01T10:00:00.000Z',
  context: { entryPoint: 'PLACESHEET', placeId: 'PLACE', resolvedLocale: 'en', userInfo: { displayName: 'Ana', userDeviceLocale: 'en-GB' }, extra: 1 },
};

const parse = (body: Record<string, unknown>) => {
  const event = parseBmEvent(body, push);
  if (event === undefined) throw new Error('expected an event');
  return event;
};

describe('parseBmEvent (Business Messages)', () => {
  it('parses a text message: the conversation id is the user address, context and ids kept, id = message.messageId', () => {
    const body = { ...common, message: { messageId: 'M1', name: 'conversations/CONV-1/messages/M1', text: 'Hello', createTime: '2024-05-01T10:00:00Z' } };
    const event = parse(body);
    expect(event).to.include({
      type: 'text',
      dialect: 'business-messages',
      agentId: AGENT,
      agent: AGENT,
      customAgentId: 'cafe-front',
      phone: 'CONV-1',
      conversationId: 'CONV-1',
      requestId: 'REQ-1',
      id: 'M1',
      messageId: 'M1',
      text: 'Hello',
      sendTime: '2024-05-01T10:00:00.000Z',
    });
    expect(event.context).to.deep.equal(common.context);
    expect(event.raw).to.equal(body);
    expect(event.push).to.equal(push);
  });

  it('keeps an image (a signed URL in text) as a text event carrying the URL', () => {
    const url = 'https://storage.googleapis.com/business-messages-media/abc?X-Goog-Signature=1';
    expect(parse({ ...common, message: { messageId: 'M2', text: url } })).to.include({ type: 'text', text: url, id: 'M2' });
  });

  it('parses a suggestion tap, with suggestionType or the doc\'s type; its id is the requestId', () => {
    const tap = parse({ ...common, suggestionResponse: { message: 'conversations/CONV-1/messages/X', postbackData: 'yes', text: 'Yes', createTime: 't', suggestionType: 'REPLY' } });
    expect(tap).to.include({ type: 'suggestion', postbackData: 'yes', text: 'Yes', suggestionType: 'REPLY', id: 'REQ-1', messageId: undefined, phone: 'CONV-1' });
    expect(parse({ ...common, suggestionResponse: { postbackData: 'open', type: 'ACTION' } })).to.include({ suggestionType: 'ACTION', text: undefined });
  });

  it('parses userStatus isTyping as typing, and requestedLiveAgent as unknown with the raw body', () => {
    expect(parse({ ...common, userStatus: { isTyping: true, createTime: 't' } })).to.include({ type: 'typing', phone: 'CONV-1', id: 'REQ-1' });
    const live = parse({ ...common, userStatus: { requestedLiveAgent: true, createTime: 't' } });
    expect(live).to.include({ type: 'unknown', phone: 'CONV-1', id: 'REQ-1' });
    expect(live.raw.userStatus).to.deep.equal({ requestedLiveAgent: true, createTime: 't' });
  });

  it('parses receipts: READ and DELIVERED with every message id; mixed receipts are unknown', () => {
    const read = parse(bmPayloads.receipts({ ...common, receiptType: 'READ', messageIds: ['A1', 'A2'] }));
    expect(read).to.include({ type: 'read', messageId: 'A1', id: 'REQ-1', phone: 'CONV-1' });
    expect((read as { messageIds?: readonly string[] }).messageIds).to.deep.equal(['A1', 'A2']);
    expect(parse(bmPayloads.receipts({ ...common, receiptType: 'DELIVERED', messageIds: ['A3'] }))).to.include({ type: 'delivered', messageId: 'A3' });
    const mixed = parse({
      ...common,
      receipts: { receipts: [{ message: 'conversations/CONV-1/messages/A1', receiptType: 'READ' }, { message: 'conversations/CONV-1/messages/A2', receiptType: 'DELIVERED' }] },
    });
    expect(mixed.type).to.equal('unknown');
  });

  it('keeps authenticationResponse (code or errorDetails) and surveyResponse as unknown events with the raw body', () => {
    for (const body of [
      bmPayloads.authenticationResponse({ ...common, code: 'C0DE', redirectUri: 'https://x/cb' }),
      bmPayloads.authenticationResponse({ ...common, errorDetails: { error: 'access_denied', errorDescription: 'no' } }),
      bmPayloads.surveyResponse({ ...common }),
    ]) {
      const event = parse(body);
      expect(event).to.include({ type: 'unknown', phone: 'CONV-1', id: 'REQ-1', conversationId: 'CONV-1', dialect: 'business-messages' });
      expect(event.raw).to.equal(body);
    }
  });

  it('is lenient: no agent gives agentId \'\', no requestId and no messageId give id \'\', a "__proto__" receipt type finds nothing', () => {
    expect(parse({ conversationId: 'C', message: { text: 'hi' } })).to.include({ type: 'text', agentId: '', id: '', requestId: undefined, context: undefined });
    expect(parse({ conversationId: 'C', receipts: { receipts: [{ receiptType: '__proto__' }] } }).type).to.equal('unknown');
  });

  it('gives no event without a conversation id', () => {
    expect(parseBmEvent({ agent: AGENT, message: { text: 'hi' } }, push)).to.equal(undefined);
    expect(parseBmEvent({ conversationId: '', message: { text: 'hi' } }, push)).to.equal(undefined);
  });

  it('the test builders produce what the parser reads, for every kind', () => {
    expect(parse(bmPayloads.text({ text: 'hi' })).type).to.equal('text');
    expect(parse(bmPayloads.suggestion({ postbackData: 'p' })).type).to.equal('suggestion');
    expect(parse(bmPayloads.typing()).type).to.equal('typing');
    expect(parse(bmPayloads.requestedLiveAgent()).type).to.equal('unknown');
  });
});
