import { expect } from 'chai';
import type { PushInfo } from 'rbmkit';
import { parseEvent } from 'rbmkit/advanced';

const push = (attributes: Record<string, string> = {}): PushInfo => ({ attributes, webhook: '/webhook', receivedAt: 0 });
const user = { agentId: 'a@rbm.goog', senderPhoneNumber: '+12223334444', messageId: 'M1', sendTime: '2025-01-01T00:00:00Z' };

describe('parseEvent', () => {
  it('parses a text message with its ids and time', () => {
    const event = parseEvent({ ...user, text: 'Hello' }, push());
    expect(event).to.include({ type: 'text', agentId: 'a@rbm.goog', phone: '+12223334444', id: 'M1', messageId: 'M1', text: 'Hello' });
    expect(event.sendTime).to.equal('2025-01-01T00:00:00Z');
  });

  it('parses a text carrying eventId and no messageId or sendTime (one live copy of Google\'s page)', () => {
    const event = parseEvent({ agentId: 'a', senderPhoneNumber: '+1', eventId: 'E1', text: 'hi' }, push());
    expect(event).to.include({ type: 'text', id: 'E1', eventId: 'E1', messageId: undefined, sendTime: undefined });
  });

  it('parses a suggested reply tap', () => {
    const event = parseEvent({ ...user, suggestionResponse: { postbackData: 'yes', text: 'Yes', type: 'REPLY' } }, push());
    expect(event).to.include({ type: 'suggestion', postbackData: 'yes', text: 'Yes', suggestionType: 'REPLY' });
  });

  it('parses an action tap that has eventId, no messageId, no text or type', () => {
    const { messageId: _m, ...rest } = user;
    const event = parseEvent({ ...rest, eventId: 'E9', suggestionResponse: { postbackData: 'dial' } }, push());
    expect(event).to.include({ type: 'suggestion', id: 'E9', postbackData: 'dial', text: undefined, suggestionType: undefined });
  });

  it('parses a location, and coordinates given as strings', () => {
    expect(parseEvent({ ...user, location: { latitude: 37.4, longitude: -122.1 } }, push())).to.include({ type: 'location', latitude: 37.4, longitude: -122.1 });
    expect(parseEvent({ ...user, location: { latitude: '1.5', longitude: '2' } }, push())).to.include({ latitude: 1.5, longitude: 2 });
  });

  it('parses a shared file with its thumbnail', () => {
    const event = parseEvent(
      {
        ...user,
        userFile: {
          payload: { mimeType: 'image/png', fileSizeBytes: 10, fileUri: 'https://x/f.png', fileName: 'f.png' },
          thumbnail: { mimeType: 'image/png', fileSizeBytes: 1, fileUri: 'https://x/t.png', fileName: 't.png' },
        },
      },
      push(),
    );
    if (event.type !== 'file') throw new Error(`expected a file event, got ${event.type}`);
    expect(event.file).to.deep.equal({ mimeType: 'image/png', fileSizeBytes: 10, fileUri: 'https://x/f.png', fileName: 'f.png' });
    expect(event.thumbnail?.fileName).to.equal('t.png');
  });

  for (const [eventType, type] of [
    ['DELIVERED', 'delivered'],
    ['READ', 'read'],
    ['IS_TYPING', 'typing'],
    ['SUBSCRIBE', 'subscribe'],
    ['UNSUBSCRIBE', 'unsubscribe'],
  ] as const) {
    it(`parses the user event ${eventType}, named by its eventId`, () => {
      const event = parseEvent({ agentId: 'a', senderPhoneNumber: '+1', eventType, eventId: 'E1', messageId: 'AGENT_MSG' }, push());
      expect(event).to.include({ type, id: 'E1', eventId: 'E1', phone: '+1' });
    });
  }

  it('parses TTL revocation results, reading phoneNumber', () => {
    const base = { agentId: 'a', phoneNumber: '+1', messageId: 'M', eventId: 'E' };
    expect(parseEvent({ ...base, eventType: 'TTL_EXPIRATION_REVOKED' }, push())).to.include({ type: 'ttlRevoked', phone: '+1', id: 'E' });
    expect(parseEvent({ ...base, eventType: 'TTL_EXPIRATION_REVOKE_FAILED' }, push())).to.include({ type: 'ttlRevokeFailed', messageId: 'M' });
  });

  it('parses an agent launch event, by attribute or by its fields', () => {
    const launch = { eventId: 'E', agentId: 'a', botDisplayName: 'Bot', oldLaunchState: 'PENDING', newLaunchState: 'LAUNCHED' };
    const event = parseEvent(launch, push({ type: 'agent_launch_event' }));
    expect(event).to.include({ type: 'agentLaunch', botDisplayName: 'Bot', newLaunchState: 'LAUNCHED' });
    expect(event.phone).to.equal(undefined);
    expect(parseEvent(launch, push()).type).to.equal('agentLaunch');
  });

  it('turns an unknown kind into `unknown`, keeping every raw field', () => {
    const data = { ...user, somethingNew: { deep: [1, 2] } };
    const event = parseEvent(data, push());
    expect(event.type).to.equal('unknown');
    expect(event.raw).to.deep.equal(data);
    expect(event.phone).to.equal('+12223334444');
  });

  it('turns an unknown eventType and a message without a phone into `unknown`', () => {
    expect(parseEvent({ ...user, eventType: 'FUTURE_THING' }, push()).type).to.equal('unknown');
    expect(parseEvent({ agentId: 'a', text: 'no phone' }, push()).type).to.equal('unknown');
  });

  it('keeps unknown fields on known kinds too', () => {
    const event = parseEvent({ ...user, text: 'x', extra: true }, push());
    expect(event.raw).to.have.property('extra', true);
  });

  it('does not let a __proto__ key pollute anything', () => {
    const data = JSON.parse('{"agentId":"a","senderPhoneNumber":"+1","text":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const event = parseEvent(data, push());
    expect(({} as Record<string, unknown>).polluted).to.equal(undefined);
    expect((event as unknown as Record<string, unknown>).polluted).to.equal(undefined);
  });
});
