// The web chat page of `rbmkit dev`: shows what the user's phone would, from the AgentMessages
// the agent really sent to the fake RBM API, and sends what the user does as signed pushes.
// Server -> page: Server-Sent Events at /_dev/events (the transcript); page -> server: JSON POSTs
// to /_dev/send. No framework, no build step: every value from the agent is put in the page
// as text (textContent), never as HTML.
// The modules in chat/ hold one concept each; this one starts the page.

import { wireComposer } from './chat/composer.js';
import { connect } from './chat/connection.js';
import { $ } from './chat/dom.js';
import { renderHeader } from './chat/header.js';
import { select, selectListed } from './chat/selection.js';
import { loadSettings } from './chat/settings.js';
import { state } from './chat/state.js';

async function start() {
  await loadSettings();
  const agents = $('agent-list');
  agents.replaceChildren(...state.settings.agents.map((id) => new Option(id)));
  const savedAgent = localStorage.getItem('rbmkit-dev-agent');
  const savedPhone = localStorage.getItem('rbmkit-dev-phone');
  $('agent').value = savedAgent && (state.settings.agents.includes(savedAgent) || state.settings.partnerWebhook) ? savedAgent : (state.settings.agents[0] ?? '');
  $('phone').value = savedPhone || state.settings.phone;
  $('phone-list').append(new Option(state.settings.phone));

  $('agent').addEventListener('change', select);
  $('phone').addEventListener('change', select);
  $('agent').addEventListener('input', renderHeader);
  $('conversations').addEventListener('click', selectListed);

  wireComposer();
  $('details').addEventListener('change', () => document.body.classList.toggle('hide-details', !$('details').checked));

  select();
  connect();
  $('text').focus();
}

void start();
