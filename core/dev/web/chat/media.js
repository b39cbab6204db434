// Files in messages, the agent's and the user's: what kind of media a URL holds, its name, and
// images that say so when they cannot load.

import { el } from './dom.js';

const MEDIA_KIND = /^data:(image|video|audio)\//i;
const EXTENSION_KIND = { jpg: 'image', jpeg: 'image', png: 'image', gif: 'image', webp: 'image', svg: 'image', mp4: 'video', webm: 'video', mov: 'video', mp3: 'audio', ogg: 'audio', m4a: 'audio' };

/**
 * 'image', 'video', 'audio' or 'file', from a data: URL's type or the URL's extension.
 *
 * @example
 * mediaKind('https://example.com/a.jpg?size=2'); // 'image'
 */
export function mediaKind(url) {
  const data = MEDIA_KIND.exec(url);
  if (data) return data[1].toLowerCase();
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return EXTENSION_KIND[ext] ?? 'file';
}

/**
 * The name a file is shown under: the URL's last path segment, or a data: URL's type.
 *
 * @example
 * fileName('https://example.com/menu%20card.pdf'); // 'menu card.pdf'
 */
export function fileName(url) {
  if (url.startsWith('data:')) return url.slice(5, url.indexOf(';') > 0 ? url.indexOf(';') : 30);
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
  } catch {
    return url;
  }
}

/**
 * An image that says so when it cannot load (offline, a placeholder URL).
 *
 * @example
 * box.append(picture(url, 'An image from the agent', 'bubble-media'));
 */
export function picture(url, alt, className) {
  const box = el('div', className);
  const img = document.createElement('img');
  img.alt = alt;
  img.loading = 'lazy';
  img.src = url;
  img.addEventListener('error', () => {
    box.classList.add('broken');
    img.remove();
    box.append(el('span', 'broken-text', `Image could not load: ${fileName(url)}`));
  });
  box.append(img);
  return box;
}
