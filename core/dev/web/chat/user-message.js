// The user's side: what they sent, the receipt under it, and how the webhook answered its push.

import { el } from './dom.js';
import { icon } from './icons.js';
import { fileName, mediaKind, picture } from './media.js';

/**
 * What a user action shows: a bubble for what a person would see, a quiet note for the rest.
 *
 * @example
 * userContent({ type: 'text', text: 'hello' }); // <div class="bubble user-bubble">hello</div>
 */
export function userContent(action) {
  switch (action.type) {
    case 'text':
      return el('div', 'bubble user-bubble', action.text);
    case 'tap':
      return action.kind === 'REPLY' ? el('div', 'bubble user-bubble', action.text) : el('p', 'note', `You tapped “${action.text}”`);
    case 'location': {
      const box = el('div', 'bubble user-bubble location');
      box.append(icon('viewLocation'));
      box.append(el('span', '', `${action.latitude.toFixed(5)}, ${action.longitude.toFixed(5)}`));
      return box;
    }
    case 'file': {
      if (mediaKind(action.url) === 'image') return picture(action.url, 'The file you shared', 'bubble-media user-media');
      const box = el('div', 'bubble user-bubble file');
      box.append(icon('file'));
      box.append(el('span', '', fileName(action.url)));
      return box;
    }
    case 'event':
      return el('p', 'note', `Your phone sent ${action.eventType}`);
    default:
      return el('p', 'note', `You did ${action.type}`);
  }
}

/**
 * The receipt the phone shows under your message, and how the webhook answered its push.
 *
 * @example
 * item.outcome = entry.outcome;
 * updateUserMeta(item);
 */
export function updateUserMeta(item) {
  const node = item.node;
  if (!node) return;
  const meta = node.querySelector('.meta');
  meta.replaceChildren();
  const receipt = item.read ? 'Read' : item.outcome ? (item.outcome.status === 0 ? 'Not sent' : 'Delivered') : 'Sending…';
  const receiptNode = el('span', `receipt${item.read ? ' read' : ''}`, receipt);
  meta.append(receiptNode);
  const outcome = item.outcome;
  node.querySelector('.push-error')?.remove();
  if (!outcome) return;
  const ok = !outcome.error;
  const pill = el('span', `push ${ok ? 'ok' : 'bad'}`, `${outcome.status || 'no answer'}${outcome.error ? ` ${outcome.error}` : ''} · ${Math.round(outcome.latencyMs)} ms`);
  pill.title = 'How the webhook answered this push, and how long it took';
  meta.append(pill);
  if (ok) return;
  const box = el('div', 'push-error');
  box.setAttribute('role', 'alert');
  box.append(el('p', '', outcome.message || outcome.error));
  if (outcome.plugins?.length) {
    const list = el('ul');
    for (const failure of outcome.plugins) {
      const line = el('li');
      line.append(el('code', '', failure.plugin));
      line.append(document.createTextNode(failure.error ? `: ${failure.error}` : ' failed'));
      list.append(line);
    }
    box.append(list);
  }
  node.append(box);
}
