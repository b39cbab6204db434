import { isE164 } from '../client/phone.js';
import { USER_EVENT_TYPES, type Participants, type UserAction, type UserEventType } from './user-action.js';

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isText = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

function fail(message: string): never {
  throw new TypeError(message);
}

function action(raw: unknown): UserAction {
  if (!isObject(raw)) fail('action: expected an object with a type: text, tap, location, file or event');
  switch (raw.type) {
    case 'text':
      if (!isText(raw.text)) fail('action.text: expected a non-empty text');
      return { type: 'text', text: raw.text };
    case 'tap':
      if (typeof raw.postbackData !== 'string') fail("action.postbackData: expected the chip's postbackData");
      if (typeof raw.text !== 'string') fail("action.text: expected the chip's text");
      if (raw.kind !== 'REPLY' && raw.kind !== 'ACTION') fail('action.kind: expected REPLY or ACTION');
      return { type: 'tap', postbackData: raw.postbackData, text: raw.text, kind: raw.kind };
    case 'location': {
      const { latitude, longitude } = raw;
      if (typeof latitude !== 'number' || !(Math.abs(latitude) <= 90)) fail('action.latitude: expected a number from -90 to 90');
      if (typeof longitude !== 'number' || !(Math.abs(longitude) <= 180)) fail('action.longitude: expected a number from -180 to 180');
      return { type: 'location', latitude, longitude };
    }
    case 'file':
      if (!isText(raw.url)) fail('action.url: expected the URL of the file to share');
      if (raw.mimeType !== undefined && !isText(raw.mimeType)) fail('action.mimeType: expected a MIME type such as image/jpeg, or nothing');
      return { type: 'file', url: raw.url.trim(), ...(raw.mimeType === undefined ? {} : { mimeType: raw.mimeType }) };
    case 'event': {
      if (!USER_EVENT_TYPES.includes(raw.eventType as UserEventType)) fail(`action.eventType: expected one of ${USER_EVENT_TYPES.join(', ')}`);
      const eventType = raw.eventType as UserEventType;
      const needsMessage = eventType === 'DELIVERED' || eventType === 'READ';
      if (needsMessage && !isText(raw.messageId)) fail(`action.messageId: expected the id of the agent's message ${eventType} is about`);
      return { type: 'event', eventType, ...(needsMessage ? { messageId: raw.messageId as string } : {}) };
    }
    default:
      return fail(`action.type: expected text, tap, location, file or event, got ${JSON.stringify(raw.type ?? null)}`);
  }
}

/**
 * Reads what the web chat page asks to send: `{agentId, phone, action}`. Throws a TypeError
 * saying what was expected.
 *
 * @example
 * parseSendRequest({ agentId: 'cafe@rbm.goog', phone: '+15555550100', action: { type: 'text', text: 'hi' } });
 */
export function parseSendRequest(body: unknown): Participants & { action: UserAction } {
  if (!isObject(body)) fail('expected a JSON object {agentId, phone, action}');
  if (!isText(body.agentId)) fail('agentId: expected the id of the agent to talk to, such as cafe@rbm.goog');
  if (typeof body.phone !== 'string' || !isE164(body.phone)) fail('phone: expected an E.164 number such as +15555550100');
  return { agentId: body.agentId.trim(), phone: body.phone, action: action(body.action) };
}
