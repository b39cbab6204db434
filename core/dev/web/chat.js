// The web chat page of `rbmkit dev`: shows what the user's phone would, from the AgentMessages
// the agent really sent to the fake RBM API, and sends what the user does as signed pushes.
// Server -> page: Server-Sent Events at /_dev/events (the transcript); page -> server: JSON POSTs
// to /_dev/send. No framework, no build step: every value from the agent is put in the page
// as text (textContent), never as HTML.

const TYPING_MS = 20_000;
const pageOpenedAt = Date.now();

const ICONS = {
  reply: '',
  dial: 'M6.62 10.79c1.44 2.83 3.76 5.14 6.59 6.59l2.2-2.2c.27-.27.67-.36 1.02-.24 1.12.37 2.33.57 3.57.57.55 0 1 .45 1 1V20c0 .55-.45 1-1 1-9.39 0-17-7.61-17-17 0-.55.45-1 1-1h3.5c.55 0 1 .45 1 1 0 1.25.2 2.45.57 3.57.11.35.03.74-.25 1.02l-2.2 2.2z',
  url: 'M19 19H5V5h7V3H5c-1.11 0-2 .9-2 2v14c0 1.1.89 2 2 2h14c1.1 0 2-.9 2-2v-7h-2v7zM14 3v2h3.59l-9.83 9.83 1.41 1.41L19 6.41V10h2V3h-7z',
  viewLocation: 'M12 2C8.13 2 5 5.13 5 9c0 5.25 7 13 7 13s7-7.75 7-13c0-3.87-3.13-7-7-7zm0 9.5c-1.38 0-2.5-1.12-2.5-2.5s1.12-2.5 2.5-2.5 2.5 1.12 2.5 2.5-1.12 2.5-2.5 2.5z',
  shareLocation:
    'M12 8c-2.21 0-4 1.79-4 4s1.79 4 4 4 4-1.79 4-4-1.79-4-4-4zm8.94 3A8.994 8.994 0 0 0 13 3.06V1h-2v2.06A8.994 8.994 0 0 0 3.06 11H1v2h2.06A8.994 8.994 0 0 0 11 20.94V23h2v-2.06A8.994 8.994 0 0 0 20.94 13H23v-2h-2.06zM12 19c-3.87 0-7-3.13-7-7s3.13-7 7-7 7 3.13 7 7-3.13 7-7 7z',
  calendar: 'M17 12h-5v5h5v-5zM16 1v2H8V1H6v2H5c-1.11 0-1.99.9-1.99 2L3 19a2 2 0 0 0 2 2h14c1.1 0 2-.9 2-2V5c0-1.1-.9-2-2-2h-1V1h-2zm3 18H5V8h14v11z',
  action: 'M12 2l2.4 7.4H22l-6.2 4.5 2.4 7.4L12 16.8l-6.2 4.5 2.4-7.4L2 9.4h7.6z',
  file: 'M14 2H6c-1.1 0-1.99.9-1.99 2L4 20c0 1.1.89 2 1.99 2H18c1.1 0 2-.9 2-2V8l-6-6zm2 16H8v-2h8v2zm0-4H8v-2h8v2zm-3-5V3.5L18.5 9H13z',
};

const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** An element with a class and text. */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function icon(name) {
  const path = ICONS[name];
  if (!path) return null;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.classList.add('icon');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', path);
  svg.append(p);
  return svg;
}

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

// ── State ────────────────────────────────────────────────────────────────────────────────────

const state = {
  runId: null,
  settings: { agents: [], phone: '+15555550100', webhooks: {}, partnerWebhook: undefined },
  /** @type {Map<string, Conv>} */
  conversations: new Map(),
  current: '',
  typingTimer: 0,
};

/**
 * @typedef {{ key: string, agentId: string, phone: string, items: Item[], users: Map<string, Item>,
 *   typingUntil: number, unread: number, lastActivity: number }} Conv
 * @typedef {{ kind: 'user' | 'agent', id: string, at: string, action?: any, outcome?: any, read?: boolean,
 *   message?: any, node?: HTMLElement }} Item
 */

const keyOf = (agentId, phone) => `${agentId}\n${phone}`;

function conversation(agentId, phone) {
  const key = keyOf(agentId, phone);
  let conv = state.conversations.get(key);
  if (!conv) {
    conv = { key, agentId, phone, items: [], users: new Map(), typingUntil: 0, unread: 0, lastActivity: 0 };
    state.conversations.set(key, conv);
  }
  return conv;
}

const currentConv = () => state.conversations.get(state.current);

// ── What a suggestion is and does ────────────────────────────────────────────────────────────

/** The chip's label, kind, icon, a description of what the phone would do, and what a tap sends. */
function describeSuggestion(suggestion) {
  if (suggestion.reply) {
    const { text, postbackData } = suggestion.reply;
    return { text, kind: 'reply', icon: 'reply', what: '', tap: { postbackData, text, kind: 'REPLY' } };
  }
  const action = suggestion.action || {};
  const tap = { postbackData: action.postbackData ?? '', text: action.text ?? '', kind: 'ACTION' };
  if (action.dialAction) return { text: action.text, kind: 'dial', icon: 'dial', what: `opens the dialer with ${action.dialAction.phoneNumber}`, tap };
  if (action.openUrlAction) {
    const mode = action.openUrlAction.application === 'WEBVIEW' ? ` in a webview${action.openUrlAction.webviewViewMode ? ` (${action.openUrlAction.webviewViewMode})` : ''}` : '';
    return { text: action.text, kind: 'url', icon: 'url', what: `opens ${action.openUrlAction.url}${mode}`, url: action.openUrlAction.url, tap };
  }
  if (action.shareLocationAction) return { text: action.text, kind: 'shareLocation', icon: 'shareLocation', what: 'asks you to share your location', tap };
  if (action.viewLocationAction) {
    const v = action.viewLocationAction;
    const where = v.latLong ? `${v.latLong.latitude}, ${v.latLong.longitude}${v.label ? ` (${v.label})` : ''}` : (v.query ?? 'a place');
    return { text: action.text, kind: 'viewLocation', icon: 'viewLocation', what: `shows ${where} on a map`, tap };
  }
  if (action.createCalendarEventAction) {
    const c = action.createCalendarEventAction;
    return { text: action.text, kind: 'calendar', icon: 'calendar', what: `adds "${c.title}" to the calendar, ${new Date(c.startTime).toLocaleString()}`, tap };
  }
  return { text: action.text, kind: 'action', icon: 'action', what: 'an action this page does not know', tap };
}

function chipButton(suggestion, className) {
  const chip = describeSuggestion(suggestion);
  const button = el('button', `${className} chip-${chip.kind}`);
  button.type = 'button';
  const glyph = icon(chip.icon);
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

// ── Rendering the agent's messages ───────────────────────────────────────────────────────────

const MEDIA_KIND = /^data:(image|video|audio)\//i;
const EXTENSION_KIND = { jpg: 'image', jpeg: 'image', png: 'image', gif: 'image', webp: 'image', svg: 'image', mp4: 'video', webm: 'video', mov: 'video', mp3: 'audio', ogg: 'audio', m4a: 'audio' };

function mediaKind(url) {
  const data = MEDIA_KIND.exec(url);
  if (data) return data[1].toLowerCase();
  const ext = /\.([a-z0-9]+)(?:[?#].*)?$/i.exec(url)?.[1]?.toLowerCase();
  return EXTENSION_KIND[ext] ?? 'file';
}

function fileName(url) {
  if (url.startsWith('data:')) return url.slice(5, url.indexOf(';') > 0 ? url.indexOf(';') : 30);
  try {
    return decodeURIComponent(new URL(url).pathname.split('/').pop() || url);
  } catch {
    return url;
  }
}

/** An image that says so when it cannot load (offline, a placeholder URL). */
function picture(url, alt, className) {
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

function renderCard(content, options) {
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

/** The nodes of one AgentMessage, as Google Messages lays them out. */
function renderAgentMessage(message) {
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

// ── Rendering the user's side ────────────────────────────────────────────────────────────────

function userContent(action) {
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

/** The receipt the phone shows under your message, and how the webhook answered its push. */
function updateUserMeta(item) {
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

function renderItem(item) {
  const row = el('li', `row ${item.kind}`);
  row.dataset.id = item.id;
  row.append(el('span', 'sr-only', item.kind === 'agent' ? 'Agent:' : 'You:'));
  if (item.kind === 'agent') {
    for (const part of renderAgentMessage(item.message)) row.append(part);
    row.append(el('span', 'meta', item.preview ? `Preview, not sent · ${time(item.at)}` : time(item.at)));
  } else {
    const quiet = item.action.type === 'event' || (item.action.type === 'tap' && item.action.kind === 'ACTION');
    if (quiet) row.classList.add('quiet');
    if (item.action.type === 'event' && (item.action.eventType === 'DELIVERED' || item.action.eventType === 'READ')) row.classList.add('receipt-push');
    row.append(userContent(item.action));
    row.append(el('div', 'meta'));
    item.node = row;
    updateUserMeta(item);
  }
  item.node = row;
  return row;
}

function renderSuggestions(conv) {
  const bar = $('suggestions');
  const last = conv?.items.at(-1);
  const list = last?.kind === 'agent' ? (last.message?.contentMessage?.suggestions ?? []) : [];
  if (bar.dataset.for === (last?.id ?? '') && bar.childElementCount === list.length) return;
  bar.dataset.for = last?.id ?? '';
  bar.replaceChildren(...list.map((s) => chipButton(s, 'chip')));
  bar.hidden = list.length === 0;
}

function markLatestUser(conv) {
  const rows = $('messages').querySelectorAll('.row.user:not(.quiet)');
  rows.forEach((row, i) => row.classList.toggle('latest', i === rows.length - 1));
}

function renderTyping(conv) {
  const typing = $('typing');
  clearTimeout(state.typingTimer);
  const left = conv ? conv.typingUntil - Date.now() : 0;
  typing.hidden = left <= 0;
  if (left > 0) state.typingTimer = setTimeout(() => renderTyping(currentConv()), left + 50);
}

function scrollDown() {
  const scroller = $('scroller');
  scroller.scrollTop = scroller.scrollHeight;
}

function renderConversation() {
  const conv = currentConv();
  const list = $('messages');
  list.replaceChildren(...(conv?.items ?? []).map(renderItem));
  renderSuggestions(conv);
  markLatestUser(conv);
  renderTyping(conv);
  renderHeader();
  if (conv) conv.unread = 0;
  renderConversationList();
  scrollDown();
}

function renderHeader() {
  const agentId = $('agent').value.trim();
  const phone = $('phone').value.trim();
  $('agent-title').textContent = agentId || 'No agent';
  $('avatar').textContent = (agentId[0] ?? '?').toUpperCase();
  $('phone-title').textContent = phone ? `You: ${phone}` : '';
  const path = state.settings.webhooks[agentId] ?? state.settings.partnerWebhook;
  const hint = $('webhook-hint');
  hint.replaceChildren();
  if (path) {
    hint.append('Pushes go to ');
    hint.append(el('code', '', `${location.origin}${path}`));
  } else {
    hint.append('This agent has no webhook here: pick one of the list.');
  }
}

function renderConversationList() {
  const list = $('conversations');
  const convs = [...state.conversations.values()].filter((c) => c.items.length > 0).sort((a, b) => b.lastActivity - a.lastActivity);
  list.replaceChildren(
    ...convs.map((conv) => {
      const item = el('li');
      const button = el('button', `conversation${conv.key === state.current ? ' current' : ''}`);
      button.type = 'button';
      button.append(el('span', 'conv-agent', conv.agentId));
      button.append(el('span', 'conv-phone', conv.phone));
      if (conv.unread > 0 && conv.key !== state.current) button.append(el('span', 'badge', `${conv.unread} new`));
      if (conv.key === state.current) button.setAttribute('aria-current', 'true');
      button.addEventListener('click', () => {
        $('agent').value = conv.agentId;
        $('phone').value = conv.phone;
        select();
      });
      item.append(button);
      return item;
    }),
  );
  if (convs.length === 0) list.append(el('li', 'hint', 'None yet: say hello.'));
}

/** Appends an item to the shown conversation without redrawing it. */
function appendShown(conv, item) {
  if (conv.key !== state.current) return;
  $('messages').append(renderItem(item));
  renderSuggestions(conv);
  markLatestUser(conv);
  scrollDown();
}

// ── The transcript from the server ───────────────────────────────────────────────────────────

function applyEntry(entry) {
  const conv = conversation(entry.agentId, entry.phone);
  const live = Date.parse(entry.at) >= pageOpenedAt - 1_000;
  conv.lastActivity = Math.max(conv.lastActivity, Date.parse(entry.at));
  switch (entry.kind) {
    case 'user': {
      const item = { kind: 'user', id: entry.id, at: entry.at, action: entry.action, read: false };
      conv.items.push(item);
      conv.users.set(entry.id, item);
      appendShown(conv, item);
      break;
    }
    case 'outcome': {
      const item = conv.users.get(entry.id);
      if (!item) break;
      item.outcome = entry.outcome;
      if (conv.key === state.current) updateUserMeta(item);
      break;
    }
    case 'agent-message': {
      const item = { kind: 'agent', id: entry.messageId, at: entry.at, message: entry.message, preview: entry.preview === true };
      conv.items.push(item);
      conv.typingUntil = 0;
      if (conv.key === state.current) {
        appendShown(conv, item);
        renderTyping(conv);
      } else conv.unread += 1;
      if (live && !item.preview && $('receipts').checked) {
        void send(conv, { type: 'event', eventType: 'DELIVERED', messageId: entry.messageId }, true);
        void send(conv, { type: 'event', eventType: 'READ', messageId: entry.messageId }, true);
      }
      break;
    }
    case 'agent-event': {
      if (entry.event.eventType === 'READ') {
        const item = conv.users.get(entry.event.messageId);
        if (item) {
          item.read = true;
          if (conv.key === state.current) updateUserMeta(item);
        }
      } else if (entry.event.eventType === 'IS_TYPING') {
        conv.typingUntil = Date.parse(entry.at) + TYPING_MS;
        if (conv.key === state.current) {
          renderTyping(conv);
          scrollDown();
        }
      }
      break;
    }
  }
  renderConversationList();
}

function connect() {
  const status = $('connection');
  const events = new EventSource('/_dev/events');
  events.addEventListener('open', () => {
    status.textContent = 'Connected to the dev server.';
    status.className = 'connection ok';
  });
  events.addEventListener('error', () => {
    status.textContent = 'Lost the dev server; reconnecting…';
    status.className = 'connection bad';
  });
  events.addEventListener('hello', (event) => {
    const { runId } = JSON.parse(event.data);
    if (state.runId !== null && state.runId !== runId) {
      // The dev server restarted: its transcript is new.
      state.conversations.clear();
      renderConversation();
    }
    state.runId = runId;
  });
  events.addEventListener('entry', (event) => applyEntry(JSON.parse(event.data)));
  events.addEventListener('reload', (event) => showReload(JSON.parse(event.data)));
}

/** `rbmkit dev --watch` reloaded the agents, or could not: a failure stays shown until a reload works. */
function showReload(notice) {
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

// ── Sending ──────────────────────────────────────────────────────────────────────────────────

async function send(conv, action, quiet = false) {
  try {
    const response = await fetch('/_dev/send', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: conv.agentId, phone: conv.phone, action }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      toast(`Not sent: ${body.message ?? response.statusText}`);
    }
  } catch (error) {
    if (!quiet) toast(`Not sent: the dev server does not answer (${error.message}).`);
  }
}

/** The conversation the inputs name, or a reason there is none. */
function selected() {
  const agent = $('agent');
  const phone = $('phone');
  if (!agent.value.trim()) return 'Name an agent first.';
  if (!phone.checkValidity()) return 'Your phone number must be E.164, such as +15555550100.';
  return conversation(agent.value.trim(), phone.value.trim());
}

function select() {
  const conv = selected();
  if (typeof conv === 'string') {
    renderHeader();
    return;
  }
  state.current = conv.key;
  localStorage.setItem('rbmkit-dev-agent', conv.agentId);
  localStorage.setItem('rbmkit-dev-phone', conv.phone);
  const phones = $('phone-list');
  if (![...phones.options].some((o) => o.value === conv.phone)) phones.append(new Option(conv.phone));
  renderConversation();
}

let toastTimer = 0;
function toast(text, url) {
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

function openAttach(open) {
  $('attach-panel').hidden = !open;
  $('attach').setAttribute('aria-expanded', String(open));
  scrollDown();
}

function withConversation(run) {
  const conv = selected();
  if (typeof conv === 'string') {
    toast(conv);
    return;
  }
  if (conv.key !== state.current) select();
  run(conv);
}

// ── Start ────────────────────────────────────────────────────────────────────────────────────

async function loadSettings() {
  try {
    const response = await fetch('/_dev/settings');
    state.settings = await response.json();
  } catch {
    toast('Cannot read the dev server settings.');
  }
}

async function start() {
  await loadSettings();
  const agents = $('agent-list');
  agents.replaceChildren(...state.settings.agents.map((id) => new Option(id)));
  const savedAgent = localStorage.getItem('rbmkit-dev-agent');
  const savedPhone = localStorage.getItem('rbmkit-dev-phone');
  $('agent').value = savedAgent && (state.settings.agents.includes(savedAgent) || state.settings.partnerWebhook) ? savedAgent : (state.settings.agents[0] ?? '');
  $('phone').value = savedPhone || state.settings.phone;
  $('phone-list').append(new Option(state.settings.phone));

  $('agent').addEventListener('change', select);
  $('phone').addEventListener('change', select);
  $('agent').addEventListener('input', renderHeader);

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
  $('details').addEventListener('change', () => document.body.classList.toggle('hide-details', !$('details').checked));

  select();
  connect();
  $('text').focus();
}

void start();
