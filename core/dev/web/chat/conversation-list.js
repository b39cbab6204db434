// The conversations of the transcript, one per agent and phone number, in the page's controls.

import { $, el } from './dom.js';
import { state } from './state.js';

/**
 * Lists the conversations with messages, the latest first, with how many new messages each has.
 * Each button holds its conversation's key, for selection.js to show it when clicked.
 *
 * @example
 * renderConversationList();
 */
export function renderConversationList() {
  const list = $('conversations');
  const convs = [...state.conversations.values()].filter((c) => c.items.length > 0).sort((a, b) => b.lastActivity - a.lastActivity);
  list.replaceChildren(
    ...convs.map((conv) => {
      const item = el('li');
      const button = el('button', `conversation${conv.key === state.current ? ' current' : ''}`);
      button.type = 'button';
      button.append(el('span', 'conv-agent', conv.agentId));
      button.append(el('span', 'conv-phone', conv.phone));
      if (conv.unread > 0 && conv.key !== state.current) button.append(el('span', 'badge', `${conv.unread} new`));
      if (conv.key === state.current) button.setAttribute('aria-current', 'true');
      button.dataset.key = conv.key;
      item.append(button);
      return item;
    }),
  );
  if (convs.length === 0) list.append(el('li', 'hint', 'None yet: say hello.'));
}
