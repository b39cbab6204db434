// A short note over the composer, gone after a few seconds: what a tap did, why nothing was sent.

import { $, el } from './dom.js';

let toastTimer = 0;

/**
 * Shows a note for six seconds, with a link to `url` when given.
 *
 * @example
 * toast('The phone opens https://example.com.', 'https://example.com');
 */
export function toast(text, url) {
  const box = $('toast');
  box.replaceChildren(el('span', '', text));
  if (url) {
    const link = el('a', '', 'Open it');
    link.href = url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    box.append(' ', link);
  }
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 6_000);
}
