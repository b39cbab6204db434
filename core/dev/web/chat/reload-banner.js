// How `rbmkit dev --watch` reloading the agents went: a banner while the last change does not load.

import { $ } from './dom.js';
import { renderHeader } from './header.js';
import { loadSettings } from './settings.js';
import { state } from './state.js';
import { toast } from './toast.js';

/**
 * `rbmkit dev --watch` reloaded the agents, or could not: a failure stays shown until a reload works.
 *
 * @example
 * showReload({ ok: false, generation: 2, error: 'SyntaxError: …' });
 */
export function showReload(notice) {
  const box = $('reload');
  if (!notice.ok) {
    $('reload-detail').textContent = notice.error;
    box.hidden = false;
    return;
  }
  box.hidden = true;
  toast(`Reloaded your agents (version ${notice.generation}); the conversations are kept.`);
  void loadSettings().then(() => {
    $('agent-list').replaceChildren(...state.settings.agents.map((id) => new Option(id)));
    renderHeader();
  });
}
