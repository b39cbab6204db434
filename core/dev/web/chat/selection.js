// Which conversation is shown: the agent and phone number in the inputs, remembered for the
// next visit.

import { renderConversation } from './conversation-view.js';
import { $ } from './dom.js';
import { renderHeader } from './header.js';
import { conversation, state } from './state.js';
import { toast } from './toast.js';

/** The conversation the inputs name, or a reason there is none. */
function selected() {
  const agent = $('agent');
  const phone = $('phone');
  if (!agent.value.trim()) return 'Name an agent first.';
  if (!phone.checkValidity()) return 'Your phone number must be E.164, such as +15555550100.';
  return conversation(agent.value.trim(), phone.value.trim());
}

/**
 * Shows the conversation the inputs name, if they name one.
 *
 * @example
 * $('agent').addEventListener('change', select);
 */
export function select() {
  const conv = selected();
  if (typeof conv === 'string') {
    renderHeader();
    return;
  }
  state.current = conv.key;
  localStorage.setItem('rbmkit-dev-agent', conv.agentId);
  localStorage.setItem('rbmkit-dev-phone', conv.phone);
  const phones = $('phone-list');
  if (![...phones.options].some((o) => o.value === conv.phone)) phones.append(new Option(conv.phone));
  renderConversation();
}

/**
 * Shows the conversation of the list's button that was clicked (conversation-list.js gives each its key).
 *
 * @example
 * $('conversations').addEventListener('click', selectListed);
 */
export function selectListed(event) {
  const button = event.target.closest('button[data-key]');
  const conv = button && state.conversations.get(button.dataset.key);
  if (!conv) return;
  $('agent').value = conv.agentId;
  $('phone').value = conv.phone;
  select();
}

/**
 * Runs `run` with the conversation the inputs name, shown first; or says what is missing.
 *
 * @example
 * withConversation((conv) => void send(conv, { type: 'text', text: 'hi' }));
 */
export function withConversation(run) {
  const conv = selected();
  if (typeof conv === 'string') {
    toast(conv);
    return;
  }
  if (conv.key !== state.current) select();
  run(conv);
}
