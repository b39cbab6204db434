import type { EventKind, EventKinds } from './event-kind.js';
import type { EventName } from './event-names.js';
import { isJsonObject as isObject } from './json-value.js';
import { wireFileInfo, wireNumber, wireString as str } from './wire-values.js';

/**
 * Every event kind on the wire: for each name in `EVENT_GROUPS`, how each dialect carries it
 * and the extractor that builds its fields. `parseEvent` and `parseBmEvent` dispatch through
 * this table, and the test builders and the dev chat take their wire names from it. A document
 * no row matches becomes the `unknown` event, raw payload kept.
 *
 * To add an event kind:
 * 1. `EVENT_GROUPS` (event-names.ts): its name and umbrella; that makes it a name `agent.on` takes.
 * 2. `EventFields` (event-types.ts): its fields; `tsc` fails until they are there.
 * 3. A row here: its wire form in each dialect (`null` where the dialect has none) and its
 *    extractors; `tsc` fails until the row is there and every extractor returns those fields.
 * 4. When its wire form is new, a builder in the test payloads (core/testing/payloads.ts,
 *    bm-payloads.ts); a user event carried by a new RBM `eventType` needs none, since
 *    `payloads.userEvent` and the dev chat take those from this table.
 * 5. Its name in the list of events in docs/plugins.md.
 *
 * @example
 * EVENT_KINDS.read.rbm.eventType; // 'READ'
 * EVENT_KINDS.read.bm.receiptType; // 'READ'
 */
export const EVENT_KINDS = {
  text: {
    rbm: { by: 'field', field: 'text', extract: (text, phone) => (typeof text === 'string' ? { type: 'text', phone, text } : undefined) },
    bm: {
      by: 'field',
      field: 'message',
      // An image arrives as a signed URL in `text`: it stays a text event (the URL is the text).
      extract: (message, phone) =>
        isObject(message) && typeof message.text === 'string' ? { type: 'text', phone, text: message.text, messageId: str(message.messageId) } : undefined,
    },
  },
  suggestion: {
    rbm: {
      by: 'field',
      field: 'suggestionResponse',
      extract: (suggestion, phone) =>
        isObject(suggestion)
          ? { type: 'suggestion', phone, suggestionType: str(suggestion.type), postbackData: str(suggestion.postbackData) ?? '', text: str(suggestion.text) }
          : undefined,
    },
    bm: {
      by: 'field',
      field: 'suggestionResponse',
      extract: (suggestion, phone) =>
        isObject(suggestion)
          ? {
              type: 'suggestion',
              phone,
              // Google's reference says `suggestionType`, one of its pages `type`.
              suggestionType: str(suggestion.suggestionType) ?? str(suggestion.type),
              postbackData: str(suggestion.postbackData) ?? '',
              text: str(suggestion.text),
            }
          : undefined,
    },
  },
  location: {
    rbm: {
      by: 'field',
      field: 'location',
      extract: (location, phone) => {
        if (!isObject(location)) return undefined;
        const latitude = wireNumber(location.latitude);
        const longitude = wireNumber(location.longitude);
        // Without both coordinates it is no location: the next fields are tried, then `unknown`.
        return latitude === undefined || longitude === undefined ? undefined : { type: 'location', phone, latitude, longitude };
      },
    },
    bm: null,
  },
  file: {
    rbm: {
      by: 'field',
      field: 'userFile',
      extract: (userFile, phone) => {
        if (!isObject(userFile)) return undefined;
        const file = wireFileInfo(userFile.payload);
        return file === undefined ? undefined : { type: 'file', phone, file, thumbnail: wireFileInfo(userFile.thumbnail) };
      },
    },
    // Business Messages sends an image as a signed URL in a text.
    bm: null,
  },
  delivered: {
    rbm: { by: 'eventType', eventType: 'DELIVERED', extract: (phone) => ({ type: 'delivered', phone }) },
    bm: { by: 'receiptType', receiptType: 'DELIVERED', extract: (messageIds, phone) => ({ type: 'delivered', phone, messageId: messageIds[0], messageIds }) },
  },
  read: {
    rbm: { by: 'eventType', eventType: 'READ', extract: (phone) => ({ type: 'read', phone }) },
    bm: { by: 'receiptType', receiptType: 'READ', extract: (messageIds, phone) => ({ type: 'read', phone, messageId: messageIds[0], messageIds }) },
  },
  typing: {
    rbm: { by: 'eventType', eventType: 'IS_TYPING', extract: (phone) => ({ type: 'typing', phone }) },
    // Typing stopped (`isTyping: false`) and `requestedLiveAgent` are no typing: they stay `unknown`.
    bm: { by: 'field', field: 'userStatus', extract: (status, phone) => (isObject(status) && status.isTyping === true ? { type: 'typing', phone } : undefined) },
  },
  subscribe: {
    rbm: { by: 'eventType', eventType: 'SUBSCRIBE', extract: (phone) => ({ type: 'subscribe', phone }) },
    bm: null,
  },
  unsubscribe: {
    rbm: { by: 'eventType', eventType: 'UNSUBSCRIBE', extract: (phone) => ({ type: 'unsubscribe', phone }) },
    bm: null,
  },
  ttlRevoked: {
    rbm: { by: 'serverEventType', eventType: 'TTL_EXPIRATION_REVOKED', extract: (phone) => ({ type: 'ttlRevoked', phone }) },
    bm: null,
  },
  ttlRevokeFailed: {
    rbm: { by: 'serverEventType', eventType: 'TTL_EXPIRATION_REVOKE_FAILED', extract: (phone) => ({ type: 'ttlRevokeFailed', phone }) },
    bm: null,
  },
  agentLaunch: {
    rbm: {
      by: 'agentNotice',
      attribute: 'agent_launch_event',
      field: 'newLaunchState',
      extract: (data) => ({
        type: 'agentLaunch',
        botDisplayName: str(data.botDisplayName),
        brandId: str(data.brandId),
        brandDisplayName: str(data.brandDisplayName),
        regionId: str(data.regionId),
        oldLaunchState: str(data.oldLaunchState),
        newLaunchState: str(data.newLaunchState),
        actingParty: str(data.actingParty),
        comment: str(data.comment),
      }),
    },
    bm: null,
  },
  // No wire form: what a document of no other kind becomes.
  unknown: { rbm: null, bm: null },
} as const satisfies EventKinds;

/**
 * The rows of `EVENT_KINDS` in table order, each with its name: what the parsers build their
 * lookups from.
 *
 * @example
 * KIND_ROWS.filter(([, kind]) => kind.bm !== null).map(([name]) => name); // ['text', 'suggestion', 'delivered', 'read', 'typing']
 */
export const KIND_ROWS = Object.freeze(Object.entries(EVENT_KINDS) as [EventName, EventKind<EventName>][]);
