// The dev server's settings (agents, phone number, webhook paths): read at start and after each
// reload of the agents. They never hold a token.

import { state } from './state.js';
import { toast } from './toast.js';

/**
 * Reads /_dev/settings into `state.settings`; on failure, says so and keeps the last ones.
 *
 * @example
 * await loadSettings();
 */
export async function loadSettings() {
  try {
    const response = await fetch('/_dev/settings');
    state.settings = await response.json();
  } catch {
    toast('Cannot read the dev server settings.');
  }
}
