// Server -> page: the transcript as Server-Sent Events at /_dev/events, and the reload notices.
// EventSource reconnects by itself, sending the last entry's id for the server to resume after it.

import { renderConversation } from './conversation-view.js';
import { $ } from './dom.js';
import { showReload } from './reload-banner.js';
import { state } from './state.js';
import { applyEntry } from './transcript.js';

/**
 * Opens the event stream, and says in the controls whether the dev server is there.
 *
 * @example
 * connect();
 */
export function connect() {
  const status = $('connection');
  const events = new EventSource('/_dev/events');
  events.addEventListener('open', () => {
    status.textContent = 'Connected to the dev server.';
    status.className = 'connection ok';
  });
  events.addEventListener('error', () => {
    status.textContent = 'Lost the dev server; reconnecting…';
    status.className = 'connection bad';
  });
  events.addEventListener('hello', (event) => {
    const { runId } = JSON.parse(event.data);
    if (state.runId !== null && state.runId !== runId) {
      // The dev server restarted: its transcript is new.
      state.conversations.clear();
      renderConversation();
    }
    state.runId = runId;
  });
  events.addEventListener('entry', (event) => applyEntry(JSON.parse(event.data)));
  events.addEventListener('reload', (event) => showReload(JSON.parse(event.data)));
}
