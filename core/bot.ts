import { CONFIG_DEFAULTS } from './config/config-defaults.js';
import type { Middleware } from 'koa';
import type { RequestListener } from 'node:http';
import type { Logger } from 'pino';
import { validateConfig, type BotConfig } from './config/config-schema.js';
import { resolveWebhooks } from './config/resolve-webhooks.js';
import type { RbmClient } from './client/rbm-client.js';
import { MemoryRbmClient } from './client/memory-rbm-client.js';
import { agentControl, type AgentControl } from './dispatch/agent-control.js';
import { AgentRegistry } from './dispatch/agent-registry.js';
import { agentClient } from './config/client-from-settings.js';
import { SharedDeadlines } from './dispatch/deadline.js';
import { Dispatcher } from './dispatch/dispatcher.js';
import { ConfigError } from './errors.js';
import { createLogger } from './ops/logger.js';
import { BotMetrics } from './ops/metrics.js';
import { shutDown } from './shutdown.js';
import type { BotStats } from './ops/stats.js';
import { Telemetry } from './ops/telemetry.js';
import { MemoryDeadLetters } from './queue/memory-dead-letters.js';
import type { DeadLetterQueue } from './queue/queue.js';
import { QueueWorker, retryPolicy } from './queue/queue-worker.js';
import { openStores, warnIfUnshared, type BotStores } from './stores/bot-stores.js';
import { MemoryDedupeStore } from './stores/memory-dedupe-store.js';
import { MemorySessionStore } from './stores/session-store.js';
import { Campaign } from './campaign/run-campaign.js';
import type { CampaignOptions, Recipient } from './campaign/campaign-types.js';
import { CampaignWorker, publishCampaignItem } from './campaign/campaign-worker.js';
import { OptOutList } from './campaign/opt-outs.js';
import { BodyBudget } from './webhook/body-budget.js';
import { mountPrefix } from './webhook/mount-path.js';
import { WebhookServer, type Listening } from './webhook/http-server.js';
import { ingressDeps } from './webhook/ingress-deps.js';
import { WebhookRoutes } from './webhook/routes.js';
import { webhookApp } from './webhook/webhook-app.js';
import { WebhookTable } from './webhook/webhook-table.js';


export type { AgentControl, Listening };

/** An RBM webhook server for any number of agents. Made by {@link createBot}. */
export interface Bot {
  /**
   * Koa middleware serving the webhooks (and metrics and health), for a Koa app of your own;
   * other paths fall through to `next`. Under `prefix`, `/webhook` is served at `/rbm/webhook`.
   * A body your app's own body parser read first (koa-bodyparser, @koa/bodyparser) is used as
   * it is, held to the same limits; Business Messages needs the raw text it keeps (`rawBody`).
   *
   * @example
   * app.use(bodyParser());
   * app.use(bot.middleware({ prefix: '/rbm' }));
   */
  middleware(options?: { readonly prefix?: string }): Middleware;
  /**
   * A node:http request listener serving the webhooks (404 JSON elsewhere). For Express,
   * Fastify, Cloud Functions or fetch-style handlers, see `rbmkit/adapters`.
   *
   * @example
   * createServer(bot.callback()).listen(8080);
   */
  callback(): RequestListener;
  /**
   * Connects the stores and the queue, once: `listen()` and the mounted handlers call it
   * before the first request; call it yourself to connect at start rather than then.
   * A store that cannot connect is logged, not thrown: pushes get 503 until it answers.
   *
   * @example
   * await bot.ready();
   */
  ready(): Promise<void>;
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
  /**
   * Starts a campaign: one message to many users of an agent, capability-checked in chunks,
   * paced by the client, each recipient's outcome kept in the session store (Redis in
   * production), so a run with the same id after a crash sends no message twice and skips none.
   * Numbers that opted out (STOP) are skipped; those RBM cannot reach go to `fallback`.
   *
   * @example
   * const campaign = bot.campaign({ id: 'spring-sale', agentId: 'shop@rbm.goog', recipients, message, fallback: sendSms });
   * campaign.on('progress', (p) => console.log(`${p.sent} sent, ${p.remaining} to go`));
   * const report = await campaign.done;
   */
  campaign(options: CampaignOptions): Campaign;
  /** A copy of the counters. */
  stats(): BotStats;
  /**
   * The dead letters: the queue's dead-letter queue in queue mode (failed events and
   * undeliverable pushes), else the bounded in-memory store of undeliverable pushes
   * (`undeliverablePolicy: 'deadLetter'`; `memoryDeadLetters` bounds it).
   *
   * @example
   * for (const letter of await bot.deadLetters().list()) console.log(letter.id, letter.reason);
   */
  deadLetters(): DeadLetterQueue;
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
  // Every client the bot's agents use (the bot's, and each agent's own) feeds the metrics, once.
  const observed = new WeakSet<RbmClient>();
  const observe = (used: RbmClient): RbmClient => {
    if (metrics === undefined || observed.has(used)) return used;
    observed.add(used);
    used.observe?.((call) => telemetry.outbound(call.method, call.status));
    used.observeRateLimit?.((wait) => telemetry.rateLimited(wait.kind, wait.outcome));
    return used;
  };
  observe(client);

  // Opt-outs and campaign outcomes: in the shared session store (Redis), else in a memory store
  // of their own, so a large campaign never evicts users' sessions or an opt-out.
  const campaignStore = stores.sessions.shared === true ? stores.sessions : new MemorySessionStore({ max: 5_000_000 });
  const optOuts = new OptOutList(campaignStore);
  const registry = new AgentRegistry({
    optOuts,
    client,
    log,
    registry: config.registry,
    maxRuntimes: config.maxAgentRuntimes,
    idleMs: config.agentIdleMs,
    makeClient: (given, where) => observe(agentClient(given, where)),
    // The dispatcher is made below; notices only come once events flow.
    unreachable: (runtime, notice, delivery, fromClient) => dispatcher.reportUnreachable(runtime, notice, delivery, fromClient),
  });
  registry.configure(config.partner?.plugins ?? [], config.agents ?? {});
  const table = new WebhookTable(resolveWebhooks(config));
  const dispatcher = new Dispatcher({
    store: stores.dedupe,
    sessions: stores.sessions,
    client,
    // A webhook's client (Business Messages) is counted in the metrics too, from its first use.
    webhookClient: (path) => {
      const own = table.get(path)?.client;
      return own === undefined ? undefined : observe(own);
    },
    log,
    telemetry,
    handlerTimeoutMs: config.handlerTimeoutMs ?? CONFIG_DEFAULTS.handlerTimeoutMs,
    // Handler time limits on this bot's own timer (precision 10 ms), shared with no other bot.
    handlerDeadlines: new SharedDeadlines(10),
    maxInFlight: config.maxInFlight ?? CONFIG_DEFAULTS.maxInFlight,
  });
  let closing = false;
  // Dead letters: the queue's when there is one, else a bounded store in memory.
  const deadLetters = config.queue?.deadLetters ?? new MemoryDeadLetters(config.memoryDeadLetters, () => telemetry.deadLetterDropped());
  const budget = new BodyBudget(config.bodyBudgetBytes ?? CONFIG_DEFAULTS.bodyBudgetBytes);
  const bodyLimit = config.bodyLimit ?? CONFIG_DEFAULTS.bodyLimit;
  const routes = new WebhookRoutes(table, ingressDeps(config, { agents: registry, dispatcher, telemetry, log, webhooks: table, deadLetters }), {
    log,
    bodyLimit,
    budget,
    metrics,
    metricsPath: config.metrics === false ? '' : (config.metrics?.path ?? CONFIG_DEFAULTS['metrics.path']),
    health: config.health,
    stores,
    queue: config.queue,
    isClosing: () => closing,
  });
  const server = new WebhookServer(webhookApp(routes, log), config.server, { bodyLimit, budget });
  const queue = config.queue;
  let worker: QueueWorker | undefined;
  let shutdown: Promise<void> | undefined;
  let storesOpened: Promise<void> | undefined;
  const openStoresOnce = (): Promise<void> => (storesOpened ??= (warnIfUnshared(stores, log), openStores(stores, log)));
  let opened: Promise<void> | undefined;
  const campaigns = new Set<Campaign>();
  const ready = (): Promise<void> =>
    (opened ??= openStoresOnce().then(() =>
      queue?.open().catch((error: unknown) => log.error({ err: error }, 'the queue is unreachable: pushes are answered 503 until it answers')),
    ));
  /**
   * A handler that connects the stores before its first request for the bot (`ours`), then
   * serves as it is. Connecting starts at once: by the first push it is often done.
   */
  const openedFirst = <H extends (...args: never[]) => unknown>(handler: H, ours: (...args: Parameters<H>) => boolean = () => true): H => {
    let open = false;
    void ready().then(() => (open = true));
    return ((...args: Parameters<H>) => {
      if (open || !ours(...args)) return handler(...args);
      return ready().then(() => {
        open = true;
        return handler(...args);
      });
    }) as H;
  };

  return {
    log,
    client,
    agents: agentControl(registry, table, () => routes.rebuild()),
    middleware: (options) => {
      const prefix = mountPrefix(options?.prefix, 'bot.middleware()');
      // The host app's own routes never wait for the bot's stores.
      return openedFirst(routes.middleware(prefix), (ctx) => routes.serves(ctx.path, prefix));
    },
    callback: () => openedFirst(webhookApp(routes, log)),
    ready,
    async listen(port, host) {
      await ready();
      return server.listen(port, host);
    },
    async work() {
      if (queue === undefined) throw new ConfigError('bot.work() needs a queue; expected createBot({ ..., queue: new NatsQueue({ url }) })');
      if (worker !== undefined) return;
      await openStoresOnce();
      await queue.open();
      const campaigns = new CampaignWorker({
        store: campaignStore,
        clientOf: (agentId) => registry.clientOf(agentId),
        optOutsOf: (agentId) => optOuts.forAgent(agentId),
        fallback: config.campaignFallback,
        log,
      });
      worker = new QueueWorker({ queue, dispatcher, agents: registry, telemetry, log, retry: retryPolicy(config.queueRetry), campaigns });
      await worker.start();
    },
    close() {
      closing = true;
      // Campaigns end here after their sends in flight, their progress kept for a later run.
      for (const campaign of campaigns) campaign.halt();
      shutdown ??= Promise.allSettled([...campaigns].map((campaign) => campaign.done)).then(() => shutDown({ worker, server, dispatcher, queue, registry, stores, log, deadlineMs: config.shutdownTimeoutMs ?? CONFIG_DEFAULTS.shutdownTimeoutMs }));
      return shutdown;
    },
    webhooks: () => table.paths(),
    campaign: (options) => {
      const campaign = new Campaign(options.fallback === undefined && config.campaignFallback !== undefined ? { ...options, fallback: config.campaignFallback } : options, {
        client: registry.clientOf(options.agentId),
        store: campaignStore,
        // Queue mode: the workers send; this process checks capabilities and follows the outcomes.
        ...(queue === undefined
          ? {}
          : {
              publish: (recipient: Recipient, publishId: string) => publishCampaignItem(queue, options.agentId, options.id, recipient, publishId),
            }),
        optOuts: optOuts.forAgent(options.agentId),
        log,
        ready,
        ...(metrics === undefined
          ? {}
          : {
              onOutcome: (outcome) => metrics.countCampaignOutcome(options.agentId, outcome),
              onRemaining: (delta) => metrics.addCampaignRemaining(options.agentId, delta),
            }),
      });
      campaigns.add(campaign);
      void campaign.done.finally(() => campaigns.delete(campaign)).catch(() => undefined);
      return campaign;
    },
    deadLetters: () => deadLetters,
    stats: () => telemetry.stats(),
  };
}

