// What the user does from the phone's bottom: type a message, share a location or a file, and
// send the phone's events (typing, subscribe…) from the controls.

import { openAttach } from './attach-panel.js';
import { $ } from './dom.js';
import { withConversation } from './selection.js';
import { send } from './send-action.js';

/**
 * Wires the composer, the attach panel and its forms, and the event buttons to send what they say.
 *
 * @example
 * wireComposer();
 */
export function wireComposer() {
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    const input = /** @type {HTMLInputElement} */ ($('text'));
    const text = input.value.trim();
    if (!text) return;
    withConversation((conv) => {
      input.value = '';
      void send(conv, { type: 'text', text });
    });
  });
  $('attach').addEventListener('click', () => {
    const open = $('attach-panel').hidden;
    openAttach(open);
    if (open) $('latitude').focus();
  });
  $('location-form').addEventListener('submit', (event) => {
    event.preventDefault();
    withConversation((conv) => {
      void send(conv, { type: 'location', latitude: Number($('latitude').value), longitude: Number($('longitude').value) });
      openAttach(false);
      $('text').focus();
    });
  });
  $('file-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const mimeType = $('file-type').value.trim();
    withConversation((conv) => {
      void send(conv, { type: 'file', url: $('file-url').value.trim(), ...(mimeType ? { mimeType } : {}) });
      openAttach(false);
      $('text').focus();
    });
  });
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !$('attach-panel').hidden) {
      openAttach(false);
      $('attach').focus();
    }
  });
  for (const button of document.querySelectorAll('[data-event]')) {
    button.addEventListener('click', () => withConversation((conv) => void send(conv, { type: 'event', eventType: button.dataset.event })));
  }
}
