// The transcript from the server, entry by entry, into the conversations: what the user did, how
// the webhook answered, and what the agent sent (messages, READ receipts, typing).

import { appendShown } from './conversation-view.js';
import { renderConversationList } from './conversation-list.js';
import { $, scrollDown } from './dom.js';
import { send } from './send-action.js';
import { conversation, state } from './state.js';
import { renderTyping } from './typing-indicator.js';
import { updateUserMeta } from './user-message.js';

const TYPING_MS = 20_000;
const pageOpenedAt = Date.now();

/**
 * Applies one transcript entry to its conversation, and to the page when it is shown. With the
 * receipts box checked, a live message from the agent gets a DELIVERED and a READ back.
 *
 * @example
 * applyEntry({ kind: 'user', agentId, phone, id, at, action: { type: 'text', text: 'hi' } });
 */
export function applyEntry(entry) {
  const conv = conversation(entry.agentId, entry.phone);
  const live = Date.parse(entry.at) >= pageOpenedAt - 1_000;
  conv.lastActivity = Math.max(conv.lastActivity, Date.parse(entry.at));
  switch (entry.kind) {
    case 'user': {
      const item = { kind: 'user', id: entry.id, at: entry.at, action: entry.action, read: false };
      conv.items.push(item);
      conv.users.set(entry.id, item);
      appendShown(conv, item);
      break;
    }
    case 'outcome': {
      const item = conv.users.get(entry.id);
      if (!item) break;
      item.outcome = entry.outcome;
      if (conv.key === state.current) updateUserMeta(item);
      break;
    }
    case 'agent-message': {
      const item = { kind: 'agent', id: entry.messageId, at: entry.at, message: entry.message, preview: entry.preview === true };
      conv.items.push(item);
      conv.typingUntil = 0;
      if (conv.key === state.current) {
        appendShown(conv, item);
        renderTyping(conv);
      } else conv.unread += 1;
      if (live && !item.preview && $('receipts').checked) {
        void send(conv, { type: 'event', eventType: 'DELIVERED', messageId: entry.messageId }, true);
        void send(conv, { type: 'event', eventType: 'READ', messageId: entry.messageId }, true);
      }
      break;
    }
    case 'agent-event': {
      if (entry.event.eventType === 'READ') {
        const item = conv.users.get(entry.event.messageId);
        if (item) {
          item.read = true;
          if (conv.key === state.current) updateUserMeta(item);
        }
      } else if (entry.event.eventType === 'IS_TYPING') {
        conv.typingUntil = Date.parse(entry.at) + TYPING_MS;
        if (conv.key === state.current) {
          renderTyping(conv);
          scrollDown();
        }
      }
      break;
    }
  }
  renderConversationList();
}
