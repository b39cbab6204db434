// The dots an IS_TYPING event from the agent shows, until its next message or about 20 seconds.

import { $ } from './dom.js';
import { currentConv, state } from './state.js';

/**
 * Shows the typing indicator while the conversation's agent types, and hides it when the time is up.
 *
 * @example
 * renderTyping(currentConv());
 */
export function renderTyping(conv) {
  const typing = $('typing');
  clearTimeout(state.typingTimer);
  const left = conv ? conv.typingUntil - Date.now() : 0;
  typing.hidden = left <= 0;
  if (left > 0) state.typingTimer = setTimeout(() => renderTyping(currentConv()), left + 50);
}
