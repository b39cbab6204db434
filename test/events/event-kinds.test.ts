import { expect } from 'chai';
import { bmPayloads, payloads } from 'rbmkit/testing';
import { EVENT_KINDS, KIND_ROWS } from '../../core/events/event-kinds.js';
import { EVENT_NAMES, type EventName } from '../../core/events/event-names.js';
import { parseBmEvent } from '../../core/events/parse-bm-event.js';
import { parseEvent } from '../../core/events/parse-event.js';
import { BM_RECEIPT_TYPES, RBM_USER_EVENT_TYPES } from '../../core/events/wire-names.js';

const push = (attributes: Record<string, string> = {}) => ({ attributes, webhook: '/webhook', receivedAt: 0 });

// What the test builders make for each kind a dialect carries: a kind added to the table
// without a builder fails here.
const RBM_SAMPLES: Partial<Record<EventName, [Record<string, unknown>, Record<string, string>?]>> = {
  text: [payloads.text({ text: 'hi' })],
  suggestion: [payloads.suggestion({ postbackData: 'p' })],
  location: [payloads.location({ latitude: 1, longitude: 2 })],
  file: [payloads.file({})],
  delivered: [payloads.userEvent({ eventType: 'DELIVERED' })],
  read: [payloads.userEvent({ eventType: 'READ' })],
  typing: [payloads.userEvent({ eventType: 'IS_TYPING' })],
  subscribe: [payloads.userEvent({ eventType: 'SUBSCRIBE' })],
  unsubscribe: [payloads.userEvent({ eventType: 'UNSUBSCRIBE' })],
  ttlRevoked: [payloads.ttl({})],
  ttlRevokeFailed: [payloads.ttl({ failed: true })],
  agentLaunch: [payloads.agentLaunch({}), { type: 'agent_launch_event' }],
};
const BM_SAMPLES: Partial<Record<EventName, Record<string, unknown>>> = {
  text: bmPayloads.text({ text: 'hi' }),
  suggestion: bmPayloads.suggestion({ postbackData: 'p' }),
  delivered: bmPayloads.receipts({ receiptType: 'DELIVERED', messageIds: ['M1'] }),
  read: bmPayloads.receipts({ receiptType: 'READ', messageIds: ['M1'] }),
  typing: bmPayloads.typing(),
};

describe('EVENT_KINDS: one row per event kind', () => {
  it('has a row for every event name, in the order of EVENT_GROUPS; only `unknown` has no wire form', () => {
    expect(KIND_ROWS.map(([name]) => name)).to.deep.equal(EVENT_NAMES);
    const formless = KIND_ROWS.filter(([, kind]) => kind.rbm === null && kind.bm === null).map(([name]) => name);
    expect(formless).to.deep.equal(['unknown']);
  });

  it('gives each wire name to one kind per dialect', () => {
    const rbmNames = KIND_ROWS.flatMap(([, { rbm }]) => (rbm === null ? [] : [rbm.by === 'eventType' || rbm.by === 'serverEventType' ? `eventType:${rbm.eventType}` : `field:${rbm.field}`]));
    expect(new Set(rbmNames).size).to.equal(rbmNames.length);
    const bmNames = KIND_ROWS.flatMap(([, { bm }]) => (bm === null ? [] : [bm.by === 'field' ? `field:${bm.field}` : `receiptType:${bm.receiptType}`]));
    expect(new Set(bmNames).size).to.equal(bmNames.length);
  });

  it('derives the wire names the builders and the dev chat offer', () => {
    expect(RBM_USER_EVENT_TYPES).to.deep.equal(['DELIVERED', 'READ', 'IS_TYPING', 'SUBSCRIBE', 'UNSUBSCRIBE']);
    expect(BM_RECEIPT_TYPES).to.deep.equal(['DELIVERED', 'READ']);
    expect(EVENT_KINDS.ttlRevokeFailed.rbm.eventType).to.equal('TTL_EXPIRATION_REVOKE_FAILED');
    expect(payloads.ttl({ failed: true }).eventType).to.equal('TTL_EXPIRATION_REVOKE_FAILED');
  });

  for (const [name, kind] of KIND_ROWS) {
    if (kind.rbm !== null) {
      it(`RBM: the test builders' ${name} document parses to ${name}`, () => {
        const sample = RBM_SAMPLES[name];
        if (sample === undefined) throw new Error(`expected a test payload for the RBM kind ${name}, got none`);
        expect(parseEvent(sample[0], push(sample[1])).type).to.equal(name);
      });
    }
    if (kind.bm !== null) {
      it(`Business Messages: the test builders' ${name} body parses to ${name}`, () => {
        const sample = BM_SAMPLES[name];
        if (sample === undefined) throw new Error(`expected a test body for the Business Messages kind ${name}, got none`);
        expect(parseBmEvent(sample, push())?.type).to.equal(name);
      });
    }
  }

  it('tries an RBM agent notice before everything, and a message field only without eventType', () => {
    expect(parseEvent({ ...payloads.text({ text: 'x' }), newLaunchState: 'LAUNCHED' }, push()).type).to.equal('agentLaunch');
    expect(parseEvent({ ...payloads.userEvent({ eventType: 'READ' }), text: 'x' }, push()).type).to.equal('read');
  });

  it('tries Business Messages fields in table order before receipts, and a field holding no event lets the next one try', () => {
    const receipts = bmPayloads.receipts({ receiptType: 'READ', messageIds: ['M1'] }).receipts;
    expect(parseBmEvent({ ...bmPayloads.typing(), receipts }, push())?.type).to.equal('typing');
    expect(parseBmEvent({ ...bmPayloads.requestedLiveAgent(), receipts }, push())?.type).to.equal('read');
    expect(parseBmEvent({ ...bmPayloads.suggestion({ postbackData: 'p' }), message: { messageId: 'M' } }, push())?.type).to.equal('suggestion');
  });
});
