// Who the phone talks to: the agent and number in the phone's bar, and the webhook the pushes go to.

import { $, el } from './dom.js';
import { state } from './state.js';

/**
 * Shows the agent and phone number the inputs name, and the webhook the page pushes to for them.
 *
 * @example
 * $('agent').addEventListener('input', renderHeader);
 */
export function renderHeader() {
  const agentId = $('agent').value.trim();
  const phone = $('phone').value.trim();
  $('agent-title').textContent = agentId || 'No agent';
  $('avatar').textContent = (agentId[0] ?? '?').toUpperCase();
  $('phone-title').textContent = phone ? `You: ${phone}` : '';
  const path = state.settings.webhooks[agentId] ?? state.settings.partnerWebhook;
  const hint = $('webhook-hint');
  hint.replaceChildren();
  if (path) {
    hint.append('Pushes go to ');
    hint.append(el('code', '', `${location.origin}${path}`));
  } else {
    hint.append('This agent has no webhook here: pick one of the list.');
  }
}
