import type { PushInfo, RbmEvent, UserFileInfo } from './event-types.js';
import { EVENT_GROUPS, type EventName } from './event-names.js';
import { isJsonObject as isObject } from './json-value.js';

type Json = Record<string, unknown>;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
};

// Maps, not object literals: a wire `eventType` such as "constructor" or "__proto__" must find
// nothing, not a function from Object.prototype.
const USER_EVENT_TYPES: ReadonlyMap<string, EventName> = new Map([
  ['DELIVERED', 'delivered'],
  ['READ', 'read'],
  ['IS_TYPING', 'typing'],
  ['SUBSCRIBE', 'subscribe'],
  ['UNSUBSCRIBE', 'unsubscribe'],
]);
const SERVER_EVENT_TYPES: ReadonlyMap<string, EventName> = new Map([
  ['TTL_EXPIRATION_REVOKED', 'ttlRevoked'],
  ['TTL_EXPIRATION_REVOKE_FAILED', 'ttlRevokeFailed'],
]);

function fileInfo(value: unknown): UserFileInfo | undefined {
  if (!isObject(value)) return undefined;
  return {
    mimeType: str(value.mimeType),
    fileSizeBytes: num(value.fileSizeBytes),
    fileUri: str(value.fileUri),
    fileName: str(value.fileName),
  };
}

/** The kind-specific fields of a decoded document, or undefined when it is no known kind. */
/** A fresh object holding a kind's own fields; the common ones are added to it in place. */
type Classified = { type: EventName; [field: string]: unknown };

function classify(data: Json, attributes: Readonly<Record<string, string>>): Classified | undefined {
  const sender = str(data.senderPhoneNumber);
  const eventType = str(data.eventType);

  if (attributes.type === 'agent_launch_event' || Object.hasOwn(data, 'newLaunchState')) {
    return {
      type: 'agentLaunch',
      botDisplayName: str(data.botDisplayName),
      brandId: str(data.brandId),
      brandDisplayName: str(data.brandDisplayName),
      regionId: str(data.regionId),
      oldLaunchState: str(data.oldLaunchState),
      newLaunchState: str(data.newLaunchState),
      actingParty: str(data.actingParty),
      comment: str(data.comment),
    };
  }
  const serverType = eventType === undefined ? undefined : SERVER_EVENT_TYPES.get(eventType);
  if (serverType !== undefined) {
    const phone = str(data.phoneNumber) ?? sender;
    return phone === undefined ? undefined : { type: serverType, phone };
  }
  if (sender === undefined) return undefined;
  if (eventType !== undefined) {
    const type = USER_EVENT_TYPES.get(eventType);
    return type === undefined ? undefined : { type, phone: sender };
  }
  if (typeof data.text === 'string') return { type: 'text', phone: sender, text: data.text };
  const suggestion = data.suggestionResponse;
  if (isObject(suggestion)) {
    return {
      type: 'suggestion',
      phone: sender,
      suggestionType: str(suggestion.type),
      postbackData: str(suggestion.postbackData) ?? '',
      text: str(suggestion.text),
    };
  }
  const location = data.location;
  if (isObject(location)) {
    const latitude = num(location.latitude);
    const longitude = num(location.longitude);
    if (latitude !== undefined && longitude !== undefined) {
      return { type: 'location', phone: sender, latitude, longitude };
    }
  }
  const userFile = data.userFile;
  if (isObject(userFile)) {
    const file = fileInfo(userFile.payload);
    if (file !== undefined) {
      return { type: 'file', phone: sender, file, thumbnail: fileInfo(userFile.thumbnail) };
    }
  }
  return undefined;
}

/**
 * Turns a verified, decoded RBM document into one typed event. Lenient, per Google's
 * inconsistent pages: any field but the phone number may be missing, and a document of no
 * known kind becomes an `unknown` event that keeps the raw payload. Nothing is dropped.
 *
 * @example
 * const event = parseEvent({ agentId: 'a@rbm.goog', senderPhoneNumber: '+1222', text: 'hi' }, push);
 * event.type; // 'text'
 */
export function parseEvent(data: Json, push: PushInfo): RbmEvent {
  const event: Classified = classify(data, push.attributes) ?? {
    type: 'unknown',
    phone: str(data.senderPhoneNumber) ?? str(data.phoneNumber),
  };
  const messageId = str(data.messageId);
  const eventId = str(data.eventId);
  // A user message is named by its messageId; an event's messageId names the agent's message it
  // is about, so an event is named by its own eventId (Google dedupes events on eventId + phone).
  const id = EVENT_GROUPS[event.type] === 'message' ? (messageId ?? eventId) : (eventId ?? messageId);
  // Added in place, not spread: on V8 a spread followed by more properties costs microseconds.
  event.agentId = str(data.agentId) ?? '';
  event.id = id ?? '';
  event.messageId = messageId;
  event.eventId = eventId;
  event.sendTime = str(data.sendTime);
  event.raw = data;
  event.push = push;
  return event as unknown as RbmEvent;
}
