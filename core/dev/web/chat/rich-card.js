// Rich cards, standalone or in a carousel: media, title, description and chips.

import { el } from './dom.js';
import { fileName, mediaKind, picture } from './media.js';
import { chipButton } from './suggestions.js';

/**
 * A card's element; `options.className` says its layout (standalone, horizontal, in a carousel…).
 *
 * @example
 * renderCard({ title: 'Pho', description: 'Ready in 10 minutes.' }, { className: 'standalone vertical align-left' });
 */
export function renderCard(content, options) {
  const card = el('article', `card ${options.className}`);
  if (content.title) card.setAttribute('aria-label', content.title);
  if (content.media?.contentInfo?.fileUrl) {
    const info = content.media.contentInfo;
    const kind = mediaKind(info.fileUrl);
    const shown = kind === 'image' ? info.fileUrl : info.thumbnailUrl;
    const media = shown
      ? picture(shown, '', `media media-${content.media.height ?? 'MEDIUM'}`)
      : el('div', `media media-${content.media.height ?? 'MEDIUM'} broken`, `${kind}: ${fileName(info.fileUrl)}`);
    if (kind === 'video') media.classList.add('video');
    card.append(media);
  }
  const body = el('div', 'card-body');
  if (content.title) body.append(el('h3', 'card-title', content.title));
  if (content.description) body.append(el('p', 'card-description', content.description));
  if (content.title || content.description) card.append(body);
  if (content.suggestions?.length) {
    const actions = el('div', 'card-actions');
    actions.setAttribute('role', 'group');
    actions.setAttribute('aria-label', `${content.title ?? 'Card'} suggestions`);
    for (const suggestion of content.suggestions) actions.append(chipButton(suggestion, 'card-chip'));
    card.append(actions);
  }
  return card;
}
