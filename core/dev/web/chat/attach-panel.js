// The panel under the messages for sharing a location or a file, opened by the + button or a
// shareLocation chip.

import { $, scrollDown } from './dom.js';

/**
 * Opens or closes the attach panel.
 *
 * @example
 * openAttach(true);
 */
export function openAttach(open) {
  $('attach-panel').hidden = !open;
  $('attach').setAttribute('aria-expanded', String(open));
  scrollDown();
}
