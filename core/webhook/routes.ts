import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { HttpError } from '../errors.js';
import type { BotMetrics } from '../ops/metrics.js';
import type { Queue } from '../queue/queue.js';
import type { BotStores } from '../stores/bot-stores.js';
import { overBudgetMessage, type BodyBudget } from './body-budget.js';
import { liveness, readiness } from './health.js';
import type { IngressDeps } from './ingress-deps.js';
import { webhookHandler } from './ingress.js';
import { jsonBody } from './json-body.js';
import { jsonErrors } from './json-errors.js';
import type { WebhookTable } from './webhook-table.js';

export interface RouteOptions {
  readonly log: Logger;
  /** Largest accepted body, in bytes. */
  readonly bodyLimit: number;
  /** Prometheus metrics, served at `metricsPath`; undefined serves none. */
  readonly metrics: BotMetrics | undefined;
  readonly metricsPath: string;
  readonly health: false | { readonly live?: string; readonly ready?: string } | undefined;
  readonly stores: BotStores;
  /** Queue mode: the broker, whose answer readiness also needs. */
  readonly queue?: Pick<Queue, 'ping'>;
  /** True once the bot is shutting down: pushes get 503, readiness fails. */
  readonly isClosing: () => boolean;
  /** The bytes of bodies read at once, charged at the route when no server admitted the request (mounted in another app). */
  readonly budget?: BodyBudget;
}

/**
 * The bot's HTTP routes: one POST per webhook of the table (JSON errors, 503 while closing,
 * body parsing, then the webhook handler), 405 for other methods on a webhook, metrics and
 * health. `rebuild()` after the table changed.
 *
 * @example
 * const routes = new WebhookRoutes(table, ingressDeps, options);
 * app.use(routes.middleware());
 */
export class WebhookRoutes {
  private current: Middleware;
  /** The routes under each prefix asked for (mounted in another app), built on first use. */
  private readonly prefixed = new Map<string, Middleware>();
  private readonly errors: Middleware;
  private readonly parseBody: Middleware;

  constructor(
    private readonly table: WebhookTable,
    private readonly deps: IngressDeps,
    private readonly options: RouteOptions,
  ) {
    this.errors = jsonErrors(options.log);
    this.parseBody = jsonBody(options.bodyLimit);
    this.current = this.build('');
  }

  /**
   * Serves the routes as they are now, under `prefix` (`/rbm` serves `/rbm/webhook`); other
   * paths fall through to `next`.
   */
  middleware(prefix = ''): Middleware {
    if (prefix === '') return (ctx, next) => this.current(ctx, next);
    return (ctx, next) => this.under(prefix)(ctx, next);
  }

  /**
   * True for a path these routes answer under `prefix` (a webhook, metrics, health), whatever
   * the method: a mounted bot keeps its own waits (connecting the stores) off the host's routes.
   */
  serves(path: string, prefix = ''): boolean {
    const own = prefix === '' ? path : path === prefix ? '/' : path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : undefined;
    if (own === undefined) return false;
    const { metrics, metricsPath, health } = this.options;
    if (metrics !== undefined && own === metricsPath) return true;
    if (health !== false && (own === (health?.live ?? CONFIG_DEFAULTS['health.live']) || own === (health?.ready ?? CONFIG_DEFAULTS['health.ready']))) return true;
    return this.table.get(own) !== undefined;
  }

  private under(prefix: string): Middleware {
    let routes = this.prefixed.get(prefix);
    if (routes === undefined) this.prefixed.set(prefix, (routes = this.build(prefix)));
    return routes;
  }

  /** Builds the routes again from the table (a webhook was added or removed). */
  rebuild(): void {
    this.current = this.build('');
    this.prefixed.clear();
  }

  private build(prefix: string): Middleware {
    const { metrics, metricsPath, health, stores, queue, isClosing, budget, bodyLimit } = this.options;
    const { errors, parseBody } = this;
    const router = new Router(prefix === '' ? {} : { prefix });
    if (metrics !== undefined) {
      router.get(metricsPath, async (ctx) => {
        ctx.type = metrics.registry.contentType;
        ctx.body = await metrics.registry.metrics();
      });
    }
    if (health !== false) {
      router.get(health?.live ?? CONFIG_DEFAULTS['health.live'], liveness());
      router.get(health?.ready ?? CONFIG_DEFAULTS['health.ready'], readiness(stores, isClosing, queue));
    }
    // Not async: while open, it costs no promise of its own (errors catches the throw either way).
    const refuseWhileClosing: Middleware = (ctx, next) => {
      if (!isClosing()) return next();
      ctx.set('Connection', 'close');
      throw new HttpError(503, 'shutting_down', 'this server is shutting down; expected a redelivery to another one', { 'Retry-After': '5' });
    };
    // The body budget, where no server admitted the request before it reached these routes.
    const admit: Middleware =
      budget === undefined
        ? (_ctx, next) => next()
        : (ctx, next) => {
            if (budget.admit(ctx.req, ctx.res, bodyLimit)) return next();
            throw new HttpError(503, 'overloaded', overBudgetMessage(budget), {
              'Retry-After': '1',
              Connection: 'close',
            });
          };
    // A push to a webhook's exact path skips the router's matching (a regular expression per
    // route, its own middleware composition): a lookup in this map instead. The router still
    // serves everything else, including a webhook path written another way (a trailing slash,
    // other letter case), which it matches as before.
    const posts = new Map<string, Middleware>();
    for (const hook of this.table.values()) {
      const handle = webhookHandler(hook, this.deps);
      // One middleware, not four composed layers: each layer costs a promise per request.
      // Promise.resolve gives the handler's own promise back as it is (no new one): only answers made at once get one.
      const post: Middleware = (ctx) => errors(ctx, () => refuseWhileClosing(ctx, () => admit(ctx, () => parseBody(ctx, () => Promise.resolve(handle(ctx))))));
      posts.set(`${prefix}${hook.path}`, post);
      router.post(hook.path, post);
      router.all(hook.path, errors, () => {
        throw new HttpError(405, 'method_not_allowed', 'expected POST: this is an RBM webhook', { Allow: 'POST' });
      });
    }
    const routed = router.routes() as Middleware;
    return (ctx, next) => {
      if (ctx.method === 'POST') {
        const path = ctx.path;
        const post = posts.get(path);
        if (post !== undefined) {
          // What the router would have told a host app's own logs and metrics (mounted bots).
          (ctx as { _matchedRoute?: string })._matchedRoute = path;
          return post(ctx, next);
        }
      }
      return routed(ctx, next);
    };
  }
}
