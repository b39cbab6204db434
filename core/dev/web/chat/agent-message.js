// The agent's messages as a phone shows them: text, rich cards, carousels and files.

import { el } from './dom.js';
import { icon } from './icons.js';
import { fileName, mediaKind, picture } from './media.js';
import { renderCard } from './rich-card.js';

function renderFile(info) {
  const kind = mediaKind(info.fileUrl);
  if (kind === 'image') return picture(info.fileUrl, 'An image from the agent', 'bubble-media');
  if (kind === 'video') {
    const video = document.createElement('video');
    video.className = 'bubble-media';
    video.controls = true;
    video.preload = 'none';
    video.src = info.fileUrl;
    if (info.thumbnailUrl) video.poster = info.thumbnailUrl;
    video.setAttribute('aria-label', `A video from the agent: ${fileName(info.fileUrl)}`);
    return video;
  }
  if (kind === 'audio') {
    const audio = document.createElement('audio');
    audio.controls = true;
    audio.preload = 'none';
    audio.src = info.fileUrl;
    audio.setAttribute('aria-label', `Audio from the agent: ${fileName(info.fileUrl)}`);
    return audio;
  }
  const box = el('div', 'bubble file');
  if (info.thumbnailUrl) box.append(picture(info.thumbnailUrl, '', 'file-thumbnail'));
  box.append(icon('file'));
  const link = el('a', '', fileName(info.fileUrl));
  link.href = info.fileUrl;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  box.append(link);
  return box;
}

/**
 * The nodes of one AgentMessage, as Google Messages lays them out.
 *
 * @example
 * row.append(...renderAgentMessage({ contentMessage: { text: 'Hi' } }));
 */
export function renderAgentMessage(message) {
  const content = message?.contentMessage ?? {};
  const parts = [];
  if (typeof content.text === 'string') parts.push(el('div', 'bubble agent-bubble', content.text));
  const standalone = content.richCard?.standaloneCard;
  if (standalone) {
    const orientation = standalone.cardOrientation === 'HORIZONTAL' ? 'horizontal' : 'vertical';
    const align = standalone.thumbnailImageAlignment === 'RIGHT' ? 'align-right' : 'align-left';
    parts.push(renderCard(standalone.cardContent ?? {}, { className: `standalone ${orientation} ${align}` }));
  }
  const carousel = content.richCard?.carouselCard;
  if (carousel) {
    const row = el('div', `carousel width-${carousel.cardWidth === 'SMALL' ? 'SMALL' : 'MEDIUM'}`);
    row.setAttribute('role', 'group');
    row.setAttribute('aria-label', `Carousel of ${carousel.cardContents?.length ?? 0} cards`);
    row.tabIndex = 0;
    for (const card of carousel.cardContents ?? []) row.append(renderCard(card, { className: 'in-carousel vertical' }));
    parts.push(row);
  }
  if (content.contentInfo?.fileUrl) parts.push(renderFile(content.contentInfo));
  if (content.uploadedRbmFile) {
    const box = el('div', 'bubble file');
    box.append(icon('file'));
    box.append(el('span', '', `A file uploaded to RBM: ${content.uploadedRbmFile.fileName}`));
    parts.push(box);
  }
  if (parts.length === 0) parts.push(el('div', 'bubble agent-bubble unknown', 'A message this page cannot show: ' + JSON.stringify(content).slice(0, 200)));
  return parts;
}
