import { randomUUID } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type { AgentMessage } from '../client/agent-message.js';
import { checkMessage } from '../client/message-limits.js';
import { isE164 } from '../client/phone.js';
import { renderMessage } from '../campaign/message-template.js';
import { HttpError } from '../errors.js';
import type { ParsedBotConfig } from '../config/config-schema.js';
import type { FakeRbmApi } from '../testing/fake-rbm-api.js';
import { agentRoute, type AgentRoute } from './agent-webhooks.js';
import { Conversation } from './conversation.js';
import { openEventStream, type EventStream } from './event-stream.js';
import { parseSendRequest } from './parse-user-action.js';
import { readJsonBody } from './read-json-body.js';
import { Transcript } from './transcript.js';
import { loadWebAssets } from './web-assets.js';

/** The phone number the page starts with. */
export const DEFAULT_DEV_PHONE = '+15555550100';
/** The agent the page starts with when the config names none (as `rbmkit chat`). */
export const DEFAULT_DEV_AGENT = 'echo-agent@rbm.goog';

export interface WebChatOptions {
  /** The fake RBM API the agents' messages arrive at. */
  readonly api: FakeRbmApi;
  /** The dev server's base URL, where the webhooks are served. */
  readonly baseUrl: string;
  /** The bot's config, with literal clientTokens (see devTokens): its webhooks and agents. */
  readonly config: ParsedBotConfig;
}

/** What the page asks for at start: no token, ever. */
export interface WebChatSettings {
  readonly agents: readonly string[];
  readonly phone: string;
  /** Each offered agent's webhook path. */
  readonly webhooks: Readonly<Record<string, string>>;
  /** The webhook of any other agent: the partner's, if there is one. */
  readonly partnerWebhook?: string;
}

/** Paths of the page and its API, away from any webhook an agent could have. */
export const WEB_CHAT_PATHS = {
  page: '/',
  assets: '/_dev/',
  settings: '/_dev/settings',
  events: '/_dev/events',
  send: '/_dev/send',
  preview: '/_dev/preview',
} as const;

/**
 * The web chat page of `rbmkit dev` and its server side: the static page, its settings, a
 * Server-Sent Events stream of the transcript (every user action, the webhook's answer to its
 * push, and every message and event the agents sent to the fake RBM API), and a JSON POST
 * that sends a user action as a signed push through a {@link Conversation}.
 *
 * @example
 * const chat = webChat({ api, baseUrl: 'http://127.0.0.1:8080', config: devTokens(file.bot, env).config });
 * app.use(chat.middleware());
 * // later
 * chat.close();
 */
/** How the last reload of the agents went, as the page is told (`rbmkit dev --watch`). */
export type ReloadNotice = { readonly ok: true; readonly generation: number } | { readonly ok: false; readonly generation: number; readonly error: string };

/** The web chat page's server side, made by {@link webChat}. */
export interface WebChat {
  middleware(): Middleware;
  /** The agents were reloaded with this config: new webhooks and tokens from the next message on, the transcript kept. */
  update(config: ParsedBotConfig): void;
  /** Tells every open page how a reload went; a failure stays shown, to pages opened later too, until one loads. */
  announceReload(notice: ReloadNotice): void;
  close(): void;
  readonly transcript: Transcript;
}

export function webChat(options: WebChatOptions): WebChat {
  const { api } = options;
  let config = options.config;
  let agents = Object.keys(config.agents ?? {});
  let lastReload: ReloadNotice | undefined;
  const assets = loadWebAssets();
  const transcript = new Transcript();
  const runId = randomUUID();
  const streams = new Set<EventStream>();
  const conversations = new Map<string, Conversation>();

  const stopReceiving = api.onReceive((item) => {
    if ('message' in item) transcript.add({ kind: 'agent-message', agentId: item.agentId, phone: item.phone, messageId: item.messageId, message: item.message });
    else transcript.add({ kind: 'agent-event', agentId: item.agentId, phone: item.phone, eventId: item.eventId, event: item.event });
  });

  function settings(): WebChatSettings {
    const webhooks = Object.fromEntries(agents.map((agentId) => [agentId, agentRoute(config, agentId).path]));
    const partner = config.partner?.clientToken === undefined ? undefined : (config.partner.path ?? '/webhook');
    return { agents: agents.length > 0 ? agents : [DEFAULT_DEV_AGENT], phone: DEFAULT_DEV_PHONE, webhooks, ...(partner === undefined ? {} : { partnerWebhook: partner }) };
  }

  function conversation(agentId: string, phone: string): Conversation {
    const key = `${agentId}\n${phone}`;
    let talk = conversations.get(key);
    if (talk === undefined) {
      let route: AgentRoute;
      try {
        route = agentRoute(config, agentId);
      } catch (error) {
        throw new HttpError(400, 'no_webhook', (error as Error).message);
      }
      talk = new Conversation({ webhook: `${options.baseUrl}${route.path}`, token: route.token, agentId, phone, api });
      conversations.set(key, talk);
    }
    return talk;
  }

  function events(ctx: Context): void {
    const stream = openEventStream(ctx);
    streams.add(stream);
    const [lastRun, lastSeq] = String(ctx.get('last-event-id') || '').split(':');
    const after = lastRun === runId ? Number(lastSeq) || 0 : 0;
    stream.send('hello', { runId });
    if (lastReload !== undefined && !lastReload.ok) stream.send('reload', lastReload);
    const sendEntry = (entry: ReturnType<Transcript['since']>[number]) => stream.send('entry', entry, `${runId}:${entry.seq}`);
    transcript.since(after).forEach(sendEntry);
    const stop = transcript.listen(sendEntry);
    stream.onClose(() => {
      stop();
      streams.delete(stream);
    });
  }

  /** A page of another site may POST here from the developer's browser: only the chat page (or a tool without Origin) may. */
  function refuseOtherOrigins(ctx: Context): void {
    const origin = ctx.get('origin');
    const own = `${ctx.protocol}://${ctx.host}`;
    if (origin !== '' && origin !== own) throw new HttpError(403, 'cross_origin', `expected a request from the chat page at ${own}`);
  }

  /**
   * Shows a message on the page as a phone would, sent by no one: a campaign's message before it
   * goes out (`rbmkit campaign preview`). Checked against RBM's limits, placeholders filled from `vars`.
   */
  async function preview(ctx: Context): Promise<void> {
    refuseOtherOrigins(ctx);
    const body = (await readJsonBody(ctx.req, 256 * 1024)) as { agentId?: unknown; phone?: unknown; message?: unknown; vars?: unknown };
    const agentId = typeof body.agentId === 'string' && body.agentId !== '' ? body.agentId : (agents[0] ?? DEFAULT_DEV_AGENT);
    const phone = body.phone === undefined ? DEFAULT_DEV_PHONE : body.phone;
    if (typeof phone !== 'string' || !isE164(phone)) throw new HttpError(400, 'bad_request', 'phone: expected an E.164 number such as +15555550100');
    if (typeof body.message !== 'object' || body.message === null) throw new HttpError(400, 'bad_request', 'message: expected an AgentMessage object ({"contentMessage": {...}})');
    const vars = (typeof body.vars === 'object' && body.vars !== null ? body.vars : {}) as Record<string, string>;
    let message: AgentMessage;
    try {
      message = renderMessage(body.message as AgentMessage, vars);
      checkMessage(message);
    } catch (error) {
      throw new HttpError(400, 'bad_message', (error as Error).message);
    }
    transcript.add({ kind: 'agent-message', agentId, phone, messageId: randomUUID(), message, preview: true });
    ctx.body = { agentId, phone };
  }

  async function send(ctx: Context): Promise<void> {
    refuseOtherOrigins(ctx);
    let request: ReturnType<typeof parseSendRequest>;
    try {
      request = parseSendRequest(await readJsonBody(ctx.req));
    } catch (error) {
      if (error instanceof HttpError) throw error;
      throw new HttpError(400, 'bad_request', (error as Error).message);
    }
    const { agentId, phone, action } = request;
    const talk = conversation(agentId, phone);
    const sent = await talk.send(action, (id) => transcript.add({ kind: 'user', agentId, phone, id, action }));
    transcript.add({ kind: 'outcome', agentId, phone, id: sent.id, outcome: sent.outcome });
    ctx.body = { id: sent.id, outcome: sent.outcome };
  }

  const middleware: Middleware = async (ctx, next) => {
    const { method, path } = ctx;
    if (method === 'GET' && (path === WEB_CHAT_PATHS.page || path === '/index.html')) return serveAsset(ctx, 'index.html');
    if (method === 'GET' && path === WEB_CHAT_PATHS.settings) {
      ctx.set('Cache-Control', 'no-store');
      ctx.body = settings();
      return;
    }
    if (method === 'GET' && path === WEB_CHAT_PATHS.events) return events(ctx);
    if (path === WEB_CHAT_PATHS.preview) {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'expected POST with a JSON body {message, agentId?, phone?, vars?}', { Allow: 'POST' });
      return preview(ctx);
    }
    if (path === WEB_CHAT_PATHS.send) {
      if (method !== 'POST') throw new HttpError(405, 'method_not_allowed', 'expected POST with a JSON body {agentId, phone, action}', { Allow: 'POST' });
      return send(ctx);
    }
    if (method === 'GET' && path.startsWith(WEB_CHAT_PATHS.assets) && assets.has(path.slice(WEB_CHAT_PATHS.assets.length))) {
      return serveAsset(ctx, path.slice(WEB_CHAT_PATHS.assets.length));
    }
    return next();
  };

  function serveAsset(ctx: Context, name: string): void {
    const asset = assets.get(name)!;
    ctx.type = asset.type;
    ctx.set('Cache-Control', 'no-cache');
    ctx.set('X-Content-Type-Options', 'nosniff');
    if (name === 'index.html') {
      // The agent's media come from anywhere; scripts, styles and requests only from here.
      ctx.set('Content-Security-Policy', "default-src 'self'; img-src * data: blob:; media-src * data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      ctx.set('Referrer-Policy', 'no-referrer');
    }
    ctx.body = asset.body;
  }

  return {
    middleware: () => middleware,
    transcript,
    update(next) {
      config = next;
      agents = Object.keys(config.agents ?? {});
      // A conversation whose webhook or token changed talks to the new one from its next message.
      for (const [key, talk] of conversations) {
        const [agentId] = key.split('\n');
        let same = false;
        try {
          const route = agentRoute(config, agentId!);
          same = talk.pushesTo(`${options.baseUrl}${route.path}`, route.token);
        } catch {
          // The agent has no webhook any more: its next message says so.
        }
        if (same) continue;
        talk.close();
        conversations.delete(key);
      }
    },
    announceReload(notice) {
      lastReload = notice;
      for (const stream of streams) stream.send('reload', notice);
    },
    close() {
      stopReceiving();
      for (const stream of streams) stream.close();
      for (const talk of conversations.values()) talk.close();
    },
  };
}
