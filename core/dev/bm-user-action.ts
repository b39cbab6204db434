import { bmPayloads } from '../testing/bm-payloads.js';
import type { UserAction } from './user-action.js';

/** Who is talking to whom in Business Messages: the agent's resource name and the conversation. */
export interface BmParticipants {
  /** `brands/B/agents/A`. */
  readonly agent: string;
  readonly conversationId: string;
}

/**
 * The Business Messages body Google would post for a user action, and its id (the messageId
 * of a text, else the requestId); or a sentence saying BM has no such thing (a shared
 * location, subscribe/unsubscribe). A shared file arrives as its URL in a text, as BM sent images.
 *
 * @example
 * bmUserBody({ type: 'text', text: 'hi' }, { agent: 'brands/b/agents/a', conversationId: 'C1' });
 * // { id: '…', body: { agent, conversationId: 'C1', requestId, context, sendTime, message: { messageId, text: 'hi', … } } }
 */
export function bmUserBody(action: UserAction, who: BmParticipants): { id: string; body: Record<string, unknown> } | string {
  const base = { agent: who.agent, conversationId: who.conversationId };
  switch (action.type) {
    case 'text':
    case 'file': {
      const body = bmPayloads.text({ ...base, text: action.type === 'text' ? action.text : action.url });
      return { id: body.message.messageId, body };
    }
    case 'tap': {
      const body = bmPayloads.suggestion({ ...base, postbackData: action.postbackData, text: action.text, suggestionType: action.kind });
      return { id: body.requestId, body };
    }
    case 'location':
      return '  ! Business Messages users could not share a location; expected text, a tap, /file, /read, /delivered or /typing';
    case 'event': {
      if (action.eventType === 'IS_TYPING') {
        const body = bmPayloads.typing(base);
        return { id: body.requestId, body };
      }
      if ((action.eventType === 'READ' || action.eventType === 'DELIVERED') && action.messageId !== undefined) {
        const body = bmPayloads.receipts({ ...base, receiptType: action.eventType, messageIds: [action.messageId] });
        return { id: body.requestId, body };
      }
      return `  ! Business Messages has no ${action.eventType} event; expected text, a tap, /file, /read, /delivered or /typing`;
    }
  }
}
