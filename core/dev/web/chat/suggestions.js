// Suggestion chips, under a message or in a card: what a tap sends, and what the phone would do
// (dial, open a URL, share a location…), which the page tells in a note since it cannot.

import { openAttach } from './attach-panel.js';
import { describeSuggestion } from './describe-suggestion.js';
import { $, el } from './dom.js';
import { icon } from './icons.js';
import { send } from './send-action.js';
import { currentConv } from './state.js';
import { toast } from './toast.js';

/**
 * A suggestion as a button: its icon and label, what the phone would do as its title, and a
 * click that sends the tap.
 *
 * @example
 * bar.append(chipButton({ reply: { text: 'Yes', postbackData: 'Y' } }, 'chip'));
 */
export function chipButton(suggestion, className) {
  const chip = describeSuggestion(suggestion);
  const button = el('button', `${className} chip-${chip.kind}`);
  button.type = 'button';
  const glyph = icon(chip.kind);
  if (glyph) button.append(glyph);
  button.append(el('span', '', chip.text));
  if (chip.what) {
    button.setAttribute('aria-label', `${chip.text}: ${chip.what}`);
    button.title = chip.what;
  }
  button.addEventListener('click', () => tapChip(chip));
  return button;
}

async function tapChip(chip) {
  const conv = currentConv();
  if (!conv) return;
  await send(conv, { type: 'tap', ...chip.tap });
  if (chip.kind === 'reply') return;
  if (chip.kind === 'shareLocation') {
    openAttach(true);
    $('latitude').focus();
    toast('Pick a location to share below, then send it.');
  } else if (chip.kind === 'url') {
    toast(`The phone ${chip.what}.`, chip.url);
  } else {
    toast(`The phone ${chip.what}.`);
  }
}

/**
 * Shows the last message's chips above the composer, if the agent spoke last; redraws only when
 * they changed.
 *
 * @example
 * renderSuggestions(currentConv());
 */
export function renderSuggestions(conv) {
  const bar = $('suggestions');
  const last = conv?.items.at(-1);
  const list = last?.kind === 'agent' ? (last.message?.contentMessage?.suggestions ?? []) : [];
  if (bar.dataset.for === (last?.id ?? '') && bar.childElementCount === list.length) return;
  bar.dataset.for = last?.id ?? '';
  bar.replaceChildren(...list.map((s) => chipButton(s, 'chip')));
  bar.hidden = list.length === 0;
}
