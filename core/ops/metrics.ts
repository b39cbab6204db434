import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Increments of one labelled counter, added up here and handed to prom-client when it
 * collects (a scrape, or any read of the registry): prom-client hashes the label set and
 * checks it on every `inc`, even through a child from `labels()`, and each push counts 4-5
 * things.
 */
class PendingCount {
  private n = 0;
  constructor(private readonly child: { inc(value: number): void }) {}

  inc(): void {
    this.n += 1;
  }

  flush(): void {
    if (this.n === 0) return;
    this.child.inc(this.n);
    this.n = 0;
  }
}

/** A histogram child bound to its labels. */
type Observer = { observe(value: number): void };
/** A level of the nested label maps, made once per label value (one function for all). */
const newMap = <K, V>() => new Map<K, V>();

const flush = (children: Map<unknown, PendingCount>) => {
  for (const child of children.values()) child.flush();
};

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
  private readonly received = new Counter({ name: 'rbmkit_requests_received_total', help: 'Requests that reached a webhook route', labelNames: ['webhook'], registers: [this.registry], collect: () => flush(this.receivedChildren) });
  private readonly verified = new Counter({ name: 'rbmkit_pushes_verified_total', help: 'Pushes whose signature verified', labelNames: ['agent'], registers: [this.registry], collect: () => flush(this.verifiedChildren) });
  private readonly rejected = new Counter({ name: 'rbmkit_requests_rejected_total', help: 'Requests refused by verification', labelNames: ['webhook', 'reason'], registers: [this.registry], collect: () => flush(this.rejectedChildren) });
  private readonly misrouted = new Counter({
    name: 'rbmkit_pushes_misrouted_total',
    help: 'Verified pushes at the partner webhook for an agent that has its own webhook',
    labelNames: ['agent'],
    registers: [this.registry],
  });
  private readonly undeliverable = new Counter({
    name: 'rbmkit_pushes_undeliverable_total',
    help: 'Verified pushes whose data could not be used, answered 200 and kept as dead letters',
    labelNames: ['webhook', 'reason'],
    registers: [this.registry],
  });
  private readonly deadLettersDropped = new Counter({
    name: 'rbmkit_dead_letters_dropped_total',
    help: 'Dead letters the in-memory store dropped, oldest first, to stay within its bounds',
    registers: [this.registry],
  });
  private readonly outcomes = new Counter({
    name: 'rbmkit_events_total',
    help: 'Deliveries of events by outcome: handled, duplicate, failed, failedPermanently, busy, overloaded, storeUnavailable',
    labelNames: ['agent', 'outcome'],
    registers: [this.registry],
    collect: () => {
      for (const byOutcome of this.outcomeChildren.values()) flush(byOutcome);
    },
  });
  private readonly handlerSeconds = new Histogram({
    name: 'rbmkit_handler_duration_seconds',
    help: 'Time one plugin took on one event',
    labelNames: ['agent', 'plugin', 'event'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly campaignRecipients = new Counter({
    name: 'rbmkit_campaign_recipients_total',
    help: 'Campaign recipients by outcome: sent, fallback, unreachable, failed, skipped',
    labelNames: ['agent', 'outcome'],
    registers: [this.registry],
  });
  private readonly campaignRemaining = new Gauge({
    name: 'rbmkit_campaign_remaining',
    help: 'Recipients of running campaigns not done yet',
    labelNames: ['agent'],
    registers: [this.registry],
  });
  private readonly outbound = new Counter({ name: 'rbmkit_rbm_api_calls_total', help: 'RBM API calls by method and HTTP status (0: no answer)', labelNames: ['method', 'status'], registers: [this.registry], collect: () => flush(this.outboundChildren) });
  private readonly rateLimited = new Counter({
    name: 'rbmkit_rbm_api_rate_limited_total',
    help: 'RBM API calls that found their rate limit reached: waited their turn, refused (the wait would pass maxWaitMs), or aborted while waiting',
    labelNames: ['kind', 'outcome'],
    registers: [this.registry],
  });
  // Queue mode (see docs/operations.md): ingress's confirmed writes, workers' lag, retries and dead letters.
  private readonly queueDepth = new Gauge({ name: 'rbmkit_queue_depth', help: 'Records waiting in each queue partition, as a worker last saw it', labelNames: ['partition'], registers: [this.registry] });
  private readonly enqueueSeconds = new Histogram({
    name: 'rbmkit_queue_enqueue_seconds',
    help: 'Time from publishing a verified event to the broker confirming the write',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  private readonly lagSeconds = new Histogram({
    name: 'rbmkit_queue_lag_seconds',
    help: 'Time from publish to a worker starting to handle the record',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly queueRetries = new Counter({ name: 'rbmkit_queue_retries_total', help: 'Records retried by a worker after their plugins failed', registers: [this.registry] });
  private readonly deadLetters = new Counter({ name: 'rbmkit_queue_dead_letters_total', help: 'Records moved to the dead-letter queue after their last attempt', registers: [this.registry] });

  /** Queue mode: a partition's waiting records; a confirmed write; a worker's lag; a retry; a dead letter. */
  observeQueue(fact: 'depth' | 'enqueue' | 'lag' | 'retry' | 'deadLetter', value = 0, partition = 0): void {
    if (fact === 'depth') this.queueDepth.set({ partition: String(partition) }, value);
    else if (fact === 'enqueue') this.enqueueSeconds.observe(value);
    else if (fact === 'lag') this.lagSeconds.observe(value);
    else if (fact === 'retry') this.queueRetries.inc();
    else this.deadLetters.inc();
  }

  /** Agents with a label value of their own; past `maxAgentLabels`, others are `other`. */
  private readonly agentLabels = new Set<string>();
  private readonly maxAgentLabels: number;

  constructor(options: { readonly maxAgentLabels?: number } = {}) {
    this.maxAgentLabels = options.maxAgentLabels ?? 500;
    collectDefaultMetrics({ register: this.registry, prefix: 'rbmkit_' });
  }

  /**
   * The `agent` label value of an agent: its id while fewer than `maxAgentLabels` agents have
   * one, else `other`, so label sets stay bounded however many agents push.
   *
   * @example
   * new BotMetrics({ maxAgentLabels: 1 }).agentLabel('a@rbm.goog'); // 'a@rbm.goog', then 'other' for any other agent
   */
  agentLabel(agent: string): string {
    if (this.agentLabels.has(agent)) return agent;
    if (this.agentLabels.size >= this.maxAgentLabels) return 'other';
    this.agentLabels.add(agent);
    return agent;
  }

  countReceived(webhook: string): void {
    this.child(this.receivedChildren, webhook, () => new PendingCount(this.received.labels(webhook))).inc();
  }

  countVerified(agent: string): void {
    const label = this.agentLabel(agent);
    this.child(this.verifiedChildren, label, () => new PendingCount(this.verified.labels(label))).inc();
  }

  countMisrouted(agent: string): void {
    this.misrouted.inc({ agent: this.agentLabel(agent) });
  }

  countUndeliverable(webhook: string, reason: string): void {
    this.undeliverable.inc({ webhook, reason });
  }

  countDeadLetterDropped(): void {
    this.deadLettersDropped.inc();
  }

  countRejected(webhook: string, reason: string): void {
    this.child(this.rejectedChildren, `${webhook}\u0000${reason}`, () => new PendingCount(this.rejected.labels(webhook, reason))).inc();
  }

  countOutcome(agent: string, outcome: string): void {
    const label = this.agentLabel(agent);
    const byOutcome = this.child(this.outcomeChildren, label, newMap<string, PendingCount>);
    this.child(byOutcome, outcome, () => new PendingCount(this.outcomes.labels(label, outcome))).inc();
  }

  observeHandler(agent: string, plugin: string, event: string, seconds: number): void {
    const label = this.agentLabel(agent);
    const byEvent = this.child(this.child(this.handlerChildren, label, newMap<string, Map<string, Observer>>), plugin, newMap<string, Observer>);
    this.child(byEvent, event, () => this.handlerSeconds.labels(label, plugin, event)).observe(seconds);
  }

  // Label-bound children, cached; counters' increments wait in them for the next collection.
  private readonly receivedChildren = new Map<string, PendingCount>();
  private readonly verifiedChildren = new Map<string, PendingCount>();
  // By agent label, then outcome (or plugin, then event): no key string is built per push.
  private readonly outcomeChildren = new Map<string, Map<string, PendingCount>>();
  private readonly handlerChildren = new Map<string, Map<string, Map<string, Observer>>>();
  private readonly rejectedChildren = new Map<string, PendingCount>();
  private readonly outboundChildren = new Map<string, PendingCount>();

  private child<K, T>(cache: Map<K, T>, key: K, make: () => T): T {
    let child = cache.get(key);
    if (child === undefined) {
      child = make();
      cache.set(key, child);
    }
    return child;
  }

  countRateLimited(kind: string, outcome: string): void {
    this.rateLimited.inc({ kind, outcome });
  }

  /** One campaign recipient done, by outcome. */
  countCampaignOutcome(agent: string, outcome: string): void {
    this.campaignRecipients.inc({ agent: this.agentLabel(agent), outcome });
  }

  /** Recipients of an agent's running campaigns left, added to (or taken off, when negative). */
  addCampaignRemaining(agent: string, delta: number): void {
    this.campaignRemaining.inc({ agent: this.agentLabel(agent) }, delta);
  }

  countOutbound(method: string, status: number): void {
    this.child(this.outboundChildren, `${method} ${status}`, () => new PendingCount(this.outbound.labels(method, String(status)))).inc();
  }
}
