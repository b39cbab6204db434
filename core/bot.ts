import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa, { type Middleware } from 'koa';
import Router from '@koa/router';
import type { Logger } from 'pino';
import { AgentRegistry } from './dispatch/agent-registry.js';
import { resolveAgentWebhook, resolveWebhooks, validateConfig, type AgentConfig, type BotConfig, type PluginSpec } from './config/config-schema.js';
import type { DedupeStore } from './stores/dedupe-store.js';
import { SharedDeadlines, TIMED_OUT, withinDeadline } from './dispatch/deadline.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { ConfigError, HttpError } from './errors.js';
import { toWebhook, webhookHandler, type IngressDeps, type Webhook } from './webhook/ingress.js';
import { answerClientError } from './webhook/parser-errors.js';
import { liveness, readiness } from './webhook/health.js';
import { HttpRbmClient } from './client/http-rbm-client.js';
import { BotMetrics } from './ops/metrics.js';
import { jsonBody } from './webhook/json-body.js';
import { jsonErrors } from './webhook/json-errors.js';
import { createLogger } from './ops/logger.js';
import { MemoryDedupeStore } from './stores/memory-dedupe-store.js';
import { multiProcessHint } from './ops/multi-process.js';
import { MemoryRbmClient } from './client/memory-rbm-client.js';
import type { RbmClient } from './client/rbm-client.js';
import { MemorySessionStore, type SessionStore } from './stores/session-store.js';
import { emptyStats, type BotStats } from './ops/stats.js';

const ONE_MIB = 1024 * 1024;

/** Where a listening bot can be reached. */
export interface Listening {
  readonly port: number;
  readonly host: string;
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
}

/** Agents added, changed and removed while the bot runs. Changes apply from the next event. */
export interface AgentControl {
  /**
   * Adds or replaces an agent. Its old plugin instances are torn down.
   *
   * @example
   * bot.agents.set('shop@rbm.goog', { plugins: [keywords.with({ routes })] });
   */
  set(agentId: string, config: AgentConfig): void;
  /**
   * Removes an agent's config (and its own webhook); it falls back to the partner defaults.
   *
   * @example
   * bot.agents.remove('shop@rbm.goog');
   */
  remove(agentId: string): boolean;
  /**
   * Replaces the partner-default plugins.
   *
   * @example
   * bot.agents.setDefaults([logging, echo]);
   */
  setDefaults(plugins: readonly PluginSpec[]): void;
  /**
   * The keys of the plugins an agent runs now, by the precedence rule.
   *
   * @example
   * bot.agents.pluginsOf('shop@rbm.goog'); // ['logging', 'keywords']
   */
  pluginsOf(agentId: string): string[];
}

/** An RBM webhook server for any number of agents. Made by {@link createBot}. */
export interface Bot {
  /** Koa middleware serving the webhooks; other paths fall through to `next`. */
  middleware(): Middleware;
  /** A node:http request listener serving the webhooks (404 JSON elsewhere). */
  callback(): RequestListener;
  /** Starts an HTTP server. Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<Listening>;
  /**
   * Shuts down: stops accepting (new pushes get 503), answers the requests in flight, lets
   * running handlers finish for up to `shutdownTimeoutMs`, tears plugins down, closes the stores.
   */
  close(): Promise<void>;
  readonly agents: AgentControl;
  /** The RBM client replies go through. */
  readonly client: RbmClient;
  readonly log: Logger;
  /** The webhook paths served now. */
  webhooks(): string[];
  /** A copy of the counters. */
  stats(): BotStats;
}

/**
 * Creates a bot from its config: webhooks, agents and plugins. Throws a ConfigError naming
 * every wrong field.
 *
 * @example
 * const bot = createBot({
 *   partner: { path: '/webhook', clientToken: { env: 'RBM_CLIENT_TOKEN' }, plugins: [logging, echo] },
 *   agents: { 'shop@rbm.goog': { plugins: [keywords.with({ routes })] } },
 * });
 * await bot.listen(8080);
 */
export function createBot(config: BotConfig): Bot {
  validateConfig(config);
  const log = createLogger(config.logger);
  const client = config.client ?? new MemoryRbmClient();
  const store: DedupeStore = config.dedupe ?? new MemoryDedupeStore();
  const sessions: SessionStore = config.sessions ?? new MemorySessionStore();
  const stats = emptyStats();
  const metrics = config.metrics === false ? undefined : new BotMetrics();
  const metricsPath = config.metrics === false ? '' : (config.metrics?.path ?? '/metrics');
  if (metrics !== undefined && client instanceof HttpRbmClient) client.observe((call) => metrics.countOutbound(call.method, call.status));
  const agents = new AgentRegistry({ client, log, registry: config.registry });
  agents.setDefaults(config.partner?.plugins ?? []);
  for (const [agentId, agentConfig] of Object.entries(config.agents ?? {})) agents.set(agentId, agentConfig);
  const ackDeadlineMs = config.ackDeadlineMs ?? 8_000;
  const dispatcher = new Dispatcher({ store, client, log, stats, handlerTimeoutMs: config.handlerTimeoutMs ?? 10_000, maxInFlight: config.maxInFlight ?? 1_000, sessions, metrics });
  const deps: IngressDeps = {
    agents,
    dispatcher,
    stats,
    log,
    signaturePolicy: config.signaturePolicy ?? 'reject',
    ackDeadlineMs,
    deadlines: new SharedDeadlines(Math.min(25, Math.ceil(ackDeadlineMs / 4))),
    metrics,
  };
  const parseBody = jsonBody(config.bodyLimit ?? ONE_MIB);
  const errors = jsonErrors(log);

  const hooks = new Map<string, Webhook>(resolveWebhooks(config).map((hook) => [hook.path, toWebhook(hook)]));
  let closing = false;
  const refuseWhileClosing: Middleware = async (ctx, next) => {
    if (!closing) return next();
    ctx.set('Connection', 'close');
    throw new HttpError(503, 'shutting_down', 'this server is shutting down; expected a redelivery to another one', { 'Retry-After': '5' });
  };
  let routes: Middleware = buildRoutes();

  function buildRoutes(): Middleware {
    const router = new Router();
    if (metrics !== undefined) {
      router.get(metricsPath, async (ctx) => {
        ctx.type = metrics.registry.contentType;
        ctx.body = await metrics.registry.metrics();
      });
    }
    if (config.health !== false) {
      router.get(config.health?.live ?? '/healthz', liveness());
      router.get(config.health?.ready ?? '/readyz', readiness(store, () => closing));
    }
    for (const hook of hooks.values()) {
      const handle = webhookHandler(hook, deps);
      // One middleware, not four composed layers: each layer costs a promise per request.
      router.post(hook.path, (ctx) => errors(ctx, () => refuseWhileClosing(ctx, () => parseBody(ctx, () => handle(ctx)))));
      router.all(hook.path, errors, () => {
        throw new HttpError(405, 'method_not_allowed', 'expected POST: this is an RBM webhook', { Allow: 'POST' });
      });
    }
    return router.routes() as Middleware;
  }

  let server: Server | undefined;
  let shutdown: Promise<void> | undefined;

  const bot: Bot = {
    log,
    client,
    middleware: () => (ctx, next) => routes(ctx, next),
    callback() {
      const app = new Koa();
      app.silent = true;
      app.use(errors);
      app.use(bot.middleware());
      app.use(() => {
        throw new HttpError(404, 'not_found', `no webhook here; expected POST to one of: ${[...hooks.keys()].join(', ')}`);
      });
      return app.callback();
    },
    async listen(port = 0, host?: string) {
      if (server !== undefined) throw new Error('bot.listen(): already listening; expected one listen per bot');
      const timeouts = config.server ?? {};
      const headersTimeout = timeouts.headersTimeoutMs ?? 15_000;
      server = createServer(
        {
          headersTimeout,
          requestTimeout: Math.max(timeouts.requestTimeoutMs ?? 30_000, headersTimeout),
          // How often those two are checked (Node's default is 30 s).
          connectionsCheckingInterval: Math.min(1_000, headersTimeout),
          // A webhook does not need Host; without this, Node answers its absence with a bare 400.
          requireHostHeader: false,
        },
        bot.callback(),
      );
      server.on('clientError', answerClientError);
      server.keepAliveTimeout = timeouts.keepAliveTimeoutMs ?? 65_000;
      const hint = multiProcessHint();
      if (hint !== undefined && store instanceof MemoryDedupeStore) {
        log.warn(
          `SEVERAL PROCESSES (${hint}) BUT THE DEDUPE STORE IS IN MEMORY: a duplicate or redelivery reaching another process ` +
            'will be handled twice. Give every process one shared store: dedupe: new RedisDedupeStore({ url: process.env.REDIS_URL })',
        );
      }
      try {
        await store.open?.();
      } catch (error) {
        log.error({ err: error }, 'the dedupe store is unreachable: pushes are answered 503 and /readyz fails until it answers');
      }
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      return { port: address.port, host: address.address, url: `http://${shownHost}:${address.port}` };
    },
    close() {
      shutdown ??= (async () => {
        closing = true;
        const open = server;
        const closed = open === undefined ? Promise.resolve() : new Promise<void>((resolve) => open.close(() => resolve()));
        // A connection busy now goes idle later: sweep until all are gone.
        const sweep = open === undefined ? undefined : setInterval(() => open.closeIdleConnections(), 25);
        open?.closeIdleConnections();
        const deadline = config.shutdownTimeoutMs ?? 25_000;
        if ((await withinDeadline(dispatcher.drain(), deadline)) === TIMED_OUT) {
          log.warn({ unfinished: dispatcher.inFlightCount }, `handlers still running after ${deadline} ms; shutting down anyway`);
        }
        if ((await withinDeadline(closed, 2_000)) === TIMED_OUT) open?.closeAllConnections();
        clearInterval(sweep);
        await agents.close();
        await store.close?.();
        await sessions.close?.();
      })();
      return shutdown;
    },
    agents: {
      set(agentId, agentConfig) {
        validateConfig({ agents: { [agentId]: agentConfig } });
        const hook = agentConfig.webhook === undefined ? undefined : toWebhook(resolveAgentWebhook(agentId, agentConfig.webhook));
        const taken = hook === undefined ? undefined : hooks.get(hook.path);
        if (taken !== undefined && taken.agentId !== agentId) {
          throw new ConfigError(`agents.${agentId}.webhook.path: "${hook!.path}" is already served; expected a free path`);
        }
        agents.set(agentId, agentConfig);
        if (dropWebhookOf(agentId) || hook !== undefined) {
          if (hook !== undefined) hooks.set(hook.path, hook);
          routes = buildRoutes();
        }
      },
      remove(agentId) {
        const removed = agents.remove(agentId);
        if (dropWebhookOf(agentId)) routes = buildRoutes();
        return removed;
      },
      setDefaults: (plugins) => agents.setDefaults(plugins),
      pluginsOf: (agentId) => agents.pluginKeysFor(agentId),
    },
    webhooks: () => [...hooks.keys()],
    stats: () => ({ ...stats }),
  };

  function dropWebhookOf(agentId: string): boolean {
    for (const [path, hook] of hooks) {
      if (hook.agentId === agentId) {
        hooks.delete(path);
        return true;
      }
    }
    return false;
  }

  return bot;
}
