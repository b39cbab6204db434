// The conversation shown on the phone: its messages, chips, typing indicator and header.

import { renderAgentMessage } from './agent-message.js';
import { renderConversationList } from './conversation-list.js';
import { $, el, scrollDown } from './dom.js';
import { renderHeader } from './header.js';
import { currentConv, state } from './state.js';
import { renderSuggestions } from './suggestions.js';
import { renderTyping } from './typing-indicator.js';
import { updateUserMeta, userContent } from './user-message.js';

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function renderItem(item) {
  const row = el('li', `row ${item.kind}`);
  row.dataset.id = item.id;
  row.append(el('span', 'sr-only', item.kind === 'agent' ? 'Agent:' : 'You:'));
  if (item.kind === 'agent') {
    for (const part of renderAgentMessage(item.message)) row.append(part);
    row.append(el('span', 'meta', item.preview ? `Preview, not sent · ${time(item.at)}` : time(item.at)));
  } else {
    const quiet = item.action.type === 'event' || (item.action.type === 'tap' && item.action.kind === 'ACTION');
    if (quiet) row.classList.add('quiet');
    if (item.action.type === 'event' && (item.action.eventType === 'DELIVERED' || item.action.eventType === 'READ')) row.classList.add('receipt-push');
    row.append(userContent(item.action));
    row.append(el('div', 'meta'));
    item.node = row;
    updateUserMeta(item);
  }
  item.node = row;
  return row;
}

/** Marks the user's latest message, the one whose receipt shows. */
function markLatestUser(conv) {
  const rows = $('messages').querySelectorAll('.row.user:not(.quiet)');
  rows.forEach((row, i) => row.classList.toggle('latest', i === rows.length - 1));
}

/**
 * Draws the conversation shown (`state.current`) from its items, marks it read, and lists it.
 *
 * @example
 * state.current = conv.key;
 * renderConversation();
 */
export function renderConversation() {
  const conv = currentConv();
  const list = $('messages');
  list.replaceChildren(...(conv?.items ?? []).map(renderItem));
  renderSuggestions(conv);
  markLatestUser(conv);
  renderTyping(conv);
  renderHeader();
  if (conv) conv.unread = 0;
  renderConversationList();
  scrollDown();
}

/**
 * Appends an item to the shown conversation without redrawing it.
 *
 * @example
 * appendShown(conv, { kind: 'user', id, at, action, read: false });
 */
export function appendShown(conv, item) {
  if (conv.key !== state.current) return;
  $('messages').append(renderItem(item));
  renderSuggestions(conv);
  markLatestUser(conv);
  scrollDown();
}
