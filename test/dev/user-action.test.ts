import { expect } from 'chai';
import { parseSendRequest } from '../../core/dev/parse-user-action.js';
import { USER_EVENT_TYPES, userPayload } from '../../core/dev/user-action.js';
import { EVENT_KINDS } from '../../core/events/event-kinds.js';
import { parseEvent } from '../../core/events/parse-event.js';

const who = { agentId: 'cafe@rbm.goog', phone: '+15555550100' };
const push = { attributes: {}, webhook: '/webhook', receivedAt: 0 };

describe('dev chat: user events come from EVENT_KINDS', () => {
  it('offers every RBM user event of the table', () => {
    // Google's user event types (phones.agentEvents / UserEvent.eventType), written out: a kind left out of the table shows here.
    expect(USER_EVENT_TYPES).to.deep.equal(['DELIVERED', 'READ', 'IS_TYPING', 'SUBSCRIBE', 'UNSUBSCRIBE']);
  });

  it('refuses another eventType, naming the ones it takes', () => {
    expect(() => parseSendRequest({ ...who, action: { type: 'event', eventType: 'NOPE' } })).to.throw(
      TypeError,
      'action.eventType: expected one of DELIVERED, READ, IS_TYPING, SUBSCRIBE, UNSUBSCRIBE',
    );
  });

  for (const eventType of USER_EVENT_TYPES) {
    it(`sends ${eventType} as the document Google pushes, which parses back to its kind, named by its eventId`, () => {
      const request = parseSendRequest({ ...who, action: { type: 'event', eventType, messageId: 'AGENT-1' } });
      const { id, data } = userPayload(request.action, request);
      const event = parseEvent(data, push);
      const kind = Object.entries(EVENT_KINDS).find(([, row]) => row.rbm?.by === 'eventType' && row.rbm.eventType === eventType)?.[0];
      expect(event).to.include({ type: kind, id, phone: who.phone, agentId: who.agentId });
    });
  }
});
