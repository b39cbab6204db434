import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * The bot's Prometheus metrics, in a registry of its own (several bots in one process do not
 * collide). Served at `/metrics`.
 *
 * @example
 * const metrics = new BotMetrics();
 * await metrics.registry.metrics(); // Prometheus text
 */
export class BotMetrics {
  readonly registry = new Registry();
  private readonly received = new Counter({ name: 'rbmkit_requests_received_total', help: 'Requests that reached a webhook route', labelNames: ['webhook'], registers: [this.registry] });
  private readonly verified = new Counter({ name: 'rbmkit_pushes_verified_total', help: 'Pushes whose signature verified', labelNames: ['agent'], registers: [this.registry] });
  private readonly rejected = new Counter({ name: 'rbmkit_requests_rejected_total', help: 'Requests refused by verification', labelNames: ['webhook', 'reason'], registers: [this.registry] });
  private readonly outcomes = new Counter({
    name: 'rbmkit_events_total',
    help: 'Deliveries of events by outcome: handled, duplicate, failed, failedPermanently, busy, overloaded, storeUnavailable',
    labelNames: ['agent', 'outcome'],
    registers: [this.registry],
  });
  private readonly handlerSeconds = new Histogram({
    name: 'rbmkit_handler_duration_seconds',
    help: 'Time one plugin took on one event',
    labelNames: ['agent', 'plugin', 'event'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly outbound = new Counter({ name: 'rbmkit_rbm_api_calls_total', help: 'RBM API calls by method and HTTP status (0: no answer)', labelNames: ['method', 'status'], registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'rbmkit_' });
  }

  countReceived(webhook: string): void {
    this.child(this.receivedChildren, webhook, () => this.received.labels(webhook)).inc();
  }

  countVerified(agent: string): void {
    this.child(this.verifiedChildren, agent, () => this.verified.labels(agent)).inc();
  }

  countRejected(webhook: string, reason: string): void {
    this.rejected.inc({ webhook, reason });
  }

  countOutcome(agent: string, outcome: string): void {
    this.child(this.outcomeChildren, `${agent}\u0000${outcome}`, () => this.outcomes.labels(agent, outcome)).inc();
  }

  observeHandler(agent: string, plugin: string, event: string, seconds: number): void {
    this.child(this.handlerChildren, `${agent}\u0000${plugin}\u0000${event}`, () => this.handlerSeconds.labels(agent, plugin, event)).observe(seconds);
  }

  // Label-bound children, cached: prom-client would otherwise hash the label set on every call.
  private readonly receivedChildren = new Map<string, { inc(): void }>();
  private readonly verifiedChildren = new Map<string, { inc(): void }>();
  private readonly outcomeChildren = new Map<string, { inc(): void }>();
  private readonly handlerChildren = new Map<string, { observe(value: number): void }>();

  private child<T>(cache: Map<string, T>, key: string, make: () => T): T {
    let child = cache.get(key);
    if (child === undefined) {
      child = make();
      cache.set(key, child);
    }
    return child;
  }

  countOutbound(method: string, status: number): void {
    this.outbound.inc({ method, status: String(status) });
  }
}
