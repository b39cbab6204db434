import type { BmContext, PushInfo, RbmEvent } from './event-types.js';
import type { EventName } from './event-names.js';
import { isJsonObject as isObject } from './json-value.js';

type Json = Record<string, unknown>;
type Classified = { type: EventName; [field: string]: unknown };

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

// Maps, not object literals: a wire value such as "__proto__" must find nothing.
const RECEIPT_TYPES: ReadonlyMap<string, EventName> = new Map([
  ['DELIVERED', 'delivered'],
  ['READ', 'read'],
]);

/** The last segment of a resource name: `conversations/C/messages/M` → `M`. */
function lastSegment(name: string | undefined): string | undefined {
  if (name === undefined || name === '') return undefined;
  const at = name.lastIndexOf('/');
  return at === -1 ? name : name.slice(at + 1);
}

/** A receipts body: `read` or `delivered` when every receipt says the same, else undefined. */
function receiptsEvent(receipts: Json, phone: string): Classified | undefined {
  const list = Array.isArray(receipts.receipts) ? receipts.receipts.filter(isObject) : [];
  let type: EventName | undefined;
  const messageIds: string[] = [];
  for (const receipt of list) {
    const kind = RECEIPT_TYPES.get(str(receipt.receiptType) ?? '');
    if (kind === undefined || (type !== undefined && kind !== type)) return undefined;
    type = kind;
    const id = lastSegment(str(receipt.message));
    if (id !== undefined) messageIds.push(id);
  }
  if (type === undefined) return undefined;
  return { type, phone, messageId: messageIds[0], messageIds };
}

function classify(data: Json, phone: string): Classified | undefined {
  const message = data.message;
  if (isObject(message) && typeof message.text === 'string') {
    // An image arrives as a signed URL in `text`: it stays a text event (the URL is the text).
    return { type: 'text', phone, text: message.text, messageId: str(message.messageId) };
  }
  const suggestion = data.suggestionResponse;
  if (isObject(suggestion)) {
    return {
      type: 'suggestion',
      phone,
      // Google's reference says `suggestionType`, one of its pages `type`.
      suggestionType: str(suggestion.suggestionType) ?? str(suggestion.type),
      postbackData: str(suggestion.postbackData) ?? '',
      text: str(suggestion.text),
    };
  }
  const status = data.userStatus;
  if (isObject(status) && status.isTyping === true) return { type: 'typing', phone };
  const receipts = data.receipts;
  if (isObject(receipts)) return receiptsEvent(receipts, phone);
  return undefined;
}

/**
 * Turns a verified Business Messages body (no envelope: the body is the event)
 * into one typed event. The conversation id is the user's address: it is `phone` (so plugins
 * keyed on `phone` work unchanged) and `conversationId`; `agentId` is the agent's resource name
 * `brands/B/agents/A`. The event's id is `message.messageId`, else `requestId`. Bodies rbmkit
 * has no event for (authenticationResponse, surveyResponse, requestedLiveAgent, typing stopped,
 * mixed receipts) become `unknown`, raw body kept. Returns undefined without a conversationId.
 *
 * @example
 * const event = parseBmEvent({ conversationId: 'C1', requestId: 'R1', agent: 'brands/b/agents/a', message: { messageId: 'M1', text: 'hi' } }, push);
 * event?.type; // 'text'
 * event?.phone; // 'C1'
 */
export function parseBmEvent(data: Json, push: PushInfo): RbmEvent | undefined {
  const conversationId = str(data.conversationId);
  if (conversationId === undefined || conversationId === '') return undefined;
  const event: Classified = classify(data, conversationId) ?? { type: 'unknown', phone: conversationId };
  const requestId = str(data.requestId);
  const messageId = str(event.messageId);
  event.agentId = str(data.agent) ?? '';
  // Dedupe on the user's message id, else the request's. A receipt names the
  // agent's message it is about, so it is named by its request.
  event.id = (event.type === 'text' ? messageId : undefined) ?? requestId ?? '';
  event.messageId = messageId;
  event.sendTime = str(data.sendTime) ?? str(isObject(data.message) ? data.message.createTime : undefined);
  event.raw = data;
  event.push = push;
  event.dialect = 'business-messages';
  event.conversationId = conversationId;
  event.requestId = requestId;
  event.agent = str(data.agent);
  event.customAgentId = str(data.customAgentId);
  event.context = isObject(data.context) ? (data.context as BmContext) : undefined;
  return event as unknown as RbmEvent;
}
