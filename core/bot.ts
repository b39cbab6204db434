import Koa, { type Middleware } from 'koa';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { validateConfig, type BotConfig } from './config/config-schema.js';
import { resolveWebhooks } from './config/resolve-webhooks.js';
import type { RbmClient } from './client/rbm-client.js';
import { MemoryRbmClient } from './client/memory-rbm-client.js';
import { agentControl, type AgentControl } from './dispatch/agent-control.js';
import { AgentRegistry } from './dispatch/agent-registry.js';
import { SharedDeadlines, TIMED_OUT, withinDeadline } from './dispatch/deadline.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { ConfigError, HttpError } from './errors.js';
import { createLogger } from './ops/logger.js';
import { enqueuer } from './queue/enqueue.js';
import { QueueWorker } from './queue/queue-worker.js';
import { BotMetrics } from './ops/metrics.js';
import { multiProcessHint } from './ops/multi-process.js';
import type { BotStats } from './ops/stats.js';
import { Telemetry } from './ops/telemetry.js';
import { closeStores, openStores, unsharedStores, type BotStores } from './stores/bot-stores.js';
import { MemoryDedupeStore } from './stores/memory-dedupe-store.js';
import { MemorySessionStore } from './stores/session-store.js';
import { WebhookServer, type Listening } from './webhook/http-server.js';
import type { IngressDeps } from './webhook/ingress.js';
import { jsonErrors } from './webhook/json-errors.js';
import { WebhookRoutes } from './webhook/routes.js';
import { WebhookTable } from './webhook/webhook-table.js';

export type { AgentControl, Listening };

/** An RBM webhook server for any number of agents. Made by {@link createBot}. */
export interface Bot {
  /** Koa middleware serving the webhooks; other paths fall through to `next`. */
  middleware(): Middleware;
  /** A node:http request listener serving the webhooks (404 JSON elsewhere). */
  callback(): RequestListener;
  /** Starts an HTTP server. Port 0 picks a free one. */
  listen(port?: number, host?: string): Promise<Listening>;
  /**
   * Queue mode: starts consuming the `queue` of the config and runs the plugins, in this
   * process; call it in worker processes (and in the ingress process too, to do both).
   * Throws a ConfigError when the config has no `queue`.
   */
  work(): Promise<void>;
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
export function createBot(given: BotConfig): Bot {
  const config = validateConfig(given);
  const log = createLogger(config.logger);
  const client: RbmClient = config.client ?? new MemoryRbmClient();
  const stores: BotStores = { dedupe: config.dedupe ?? new MemoryDedupeStore(), sessions: config.sessions ?? new MemorySessionStore() };
  const metrics = config.metrics === false ? undefined : new BotMetrics({ maxAgentLabels: config.metrics?.maxAgentLabels });
  const telemetry = new Telemetry(metrics);
  if (metrics !== undefined) client.observe?.((call) => telemetry.outbound(call.method, call.status));

  const registry = new AgentRegistry({ client, log, registry: config.registry, maxRuntimes: config.maxAgentRuntimes, idleMs: config.agentIdleMs });
  registry.configure(config.partner?.plugins ?? [], config.agents ?? {});
  const table = new WebhookTable(resolveWebhooks(config));

  const ackDeadlineMs = config.ackDeadlineMs ?? 8_000;
  const dispatcher = new Dispatcher({
    store: stores.dedupe,
    client,
    log,
    telemetry,
    handlerTimeoutMs: config.handlerTimeoutMs ?? 10_000,
    // Handler time limits on this bot's own timer (precision 10 ms), shared with no other bot.
    handlerDeadlines: new SharedDeadlines(10),
    maxInFlight: config.maxInFlight ?? 1_000,
    sessions: stores.sessions,
  });
  const ingress: IngressDeps = {
    agents: registry,
    dispatcher,
    telemetry,
    log,
    signaturePolicy: config.signaturePolicy ?? 'reject',
    ackDeadlineMs,
    deadlines: new SharedDeadlines(Math.min(25, Math.ceil(ackDeadlineMs / 4))),
    exposeErrors: config.exposeErrors === true,
    enqueue: config.queue === undefined ? undefined : enqueuer(config.queue, telemetry, log),
    replayWindowMs: config.replayWindowMs,
  };
  let closing = false;
  const routes = new WebhookRoutes(table, ingress, {
    log,
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    metrics,
    metricsPath: config.metrics === false ? '' : (config.metrics?.path ?? '/metrics'),
    health: config.health,
    stores,
    isClosing: () => closing,
  });
  const server = new WebhookServer(callback(), config.server, {
    bodyLimit: config.bodyLimit ?? 1024 * 1024,
    bodyBudgetBytes: config.bodyBudgetBytes ?? 64 * 1024 * 1024,
  });

  function callback(): RequestListener {
    const app = new Koa();
    app.silent = true;
    app.use(jsonErrors(log));
    app.use(routes.middleware());
    app.use(() => {
      // Which paths are webhooks is nobody's business but the program's (bot.webhooks()).
      throw new HttpError(404, 'not_found', "no route here; expected POST to this server's webhook path");
    });
    return app.callback();
  }

  let worker: QueueWorker | undefined;
  async function work(): Promise<void> {
    if (config.queue === undefined) throw new ConfigError('bot.work() needs a queue; expected createBot({ ..., queue: new NatsQueue({ url }) })');
    if (worker !== undefined) return;
    warnIfUnshared(stores, log);
    await openStores(stores, log);
    await config.queue.open();
    const retry = { attempts: 5, backoffMs: 1_000, maxBackoffMs: 60_000, ...definedOnly(config.queueRetry) };
    worker = new QueueWorker({ queue: config.queue, dispatcher, agents: registry, telemetry, log, retry });
    await worker.start();
  }

  let shutdown: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing = true;
    // A worker finishes the event in hand (or gives it back) and takes no more.
    await worker?.stop();
    const deadline = config.shutdownTimeoutMs ?? 25_000;
    await server.close(async () => {
      if ((await withinDeadline(dispatcher.drain(), deadline)) === TIMED_OUT) {
        log.warn({ unfinished: dispatcher.inFlightCount }, `handlers still running after ${deadline} ms; shutting down anyway`);
      }
    });
    // Every confirm in flight was awaited by its request above.
    await config.queue?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the queue failed'));
    await registry.close();
    await closeStores(stores, log);
  }

  return {
    log,
    client,
    agents: agentControl(registry, table, () => routes.rebuild()),
    middleware: () => routes.middleware(),
    callback,
    async listen(port, host) {
      warnIfUnshared(stores, log);
      await openStores(stores, log);
      await config.queue?.open().catch((error: unknown) => log.error({ err: error }, 'the queue is unreachable: pushes are answered 503 until it answers'));
      return server.listen(port, host);
    },
    work,
    close: () => (shutdown ??= close()),
    webhooks: () => table.paths(),
    stats: () => telemetry.stats(),
  };
}

/** Several processes with stores of their own would each handle a duplicate: say so loudly. */
function warnIfUnshared(stores: BotStores, log: Logger): void {
  const hint = multiProcessHint();
  const unshared = unsharedStores(stores);
  if (hint === undefined || unshared.length === 0) return;
  log.warn(
    `SEVERAL PROCESSES (${hint}) BUT ${unshared.join(' AND ').toUpperCase()} ${unshared.length > 1 ? 'ARE' : 'IS'} IN THIS PROCESS ONLY: ` +
      'a duplicate or redelivery reaching another process will be handled twice, and conversation state will differ. ' +
      'Give every process shared stores: dedupe: new RedisDedupeStore({ url }), sessions: new RedisSessionStore({ url })',
  );
}

/** The fields of `given` that are set. */
function definedOnly<T extends object>(given: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(given ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}
