import type { Outcome } from '../dispatch/outcome.js';
import type { BotMetrics } from './metrics.js';
import { emptyStats, type BotStats } from './stats.js';

/**
 * Counts what happens to one bot, once per fact: each method updates the `bot.stats()`
 * counters and, when the bot has them, its Prometheus metrics. Without metrics
 * (`metrics: false`) nothing is counted in Prometheus at all.
 *
 * @example
 * const telemetry = new Telemetry(new BotMetrics());
 * telemetry.received('/webhook');
 * telemetry.stats().received; // 1
 */
export class Telemetry {
  private readonly counters: BotStats = emptyStats();
  /** Whether handler durations are observed: measuring them costs a clock read per plugin. */
  readonly timesHandlers: boolean;

  constructor(private readonly metrics?: BotMetrics) {
    this.timesHandlers = metrics !== undefined;
  }

  /**
   * A copy of the counters.
   *
   * @example
   * const { handled, failed } = telemetry.stats();
   */
  stats(): BotStats {
    return { ...this.counters };
  }

  /** A request reached the webhook route `webhook`. */
  received(webhook: string): void {
    this.counters.received += 1;
    this.metrics?.countReceived(webhook);
  }

  /** A handshake was answered. */
  handshake(): void {
    this.counters.handshakes += 1;
  }

  /**
   * A push's signature verified (`stats.verified`). Its agent is not known yet: the per-agent
   * Prometheus series waits for {@link Telemetry.verifiedFor}.
   */
  verified(): void {
    this.counters.verified += 1;
  }

  /**
   * A verified push was decoded and names `agent`, which the webhook serves
   * (`rbmkit_pushes_verified_total{agent}`). Pushes refused after their signature verified
   * (undecodable data, wrong or missing agent) are in `stats.verified` only.
   */
  verifiedFor(agent: string): void {
    this.metrics?.countVerified(agent);
  }

  /** A request was refused by verification on `webhook`, for `reason`. */
  rejected(webhook: string, reason: string): void {
    this.counters.rejected += 1;
    this.metrics?.countRejected(webhook, reason);
  }

  /** A verified push for `agent` came to the partner webhook although the agent has its own. */
  misrouted(agent: string): void {
    this.counters.misrouted += 1;
    this.metrics?.countMisrouted(agent);
  }

  /** A verified push on `webhook` could not be used, for `reason`, and was kept as a dead letter. */
  undeliverable(webhook: string, reason: string): void {
    this.counters.undeliverable += 1;
    this.metrics?.countUndeliverable(webhook, reason);
  }

  /** The in-memory dead-letter store dropped a letter to stay within its bounds. */
  deadLetterDropped(): void {
    this.counters.deadLettersDropped += 1;
    this.metrics?.countDeadLetterDropped();
  }

  /**
   * What became of one delivery of an event to `agent`. In the stats: `busy` counts as a
   * duplicate, `failedPermanently` as failed, `storeUnavailable` nowhere.
   */
  outcome(agent: string, status: Outcome['status']): void {
    switch (status) {
      case 'handled':
        this.counters.handled += 1;
        break;
      case 'duplicate':
      case 'busy':
        this.counters.duplicate += 1;
        break;
      case 'failed':
      case 'failedPermanently':
        this.counters.failed += 1;
        break;
      case 'overloaded':
        this.counters.overloaded += 1;
        break;
      case 'storeUnavailable':
        break;
    }
    this.metrics?.countOutcome(agent, status);
  }

  /**
   * A delivery joined the same event's delivery in flight, which ended with `status` (the
   * joiner's answer: `duplicate` when that one was handled). A duplicate in the stats, whatever
   * the status.
   */
  joined(agent: string, status: Outcome['status']): void {
    this.counters.duplicate += 1;
    this.metrics?.countOutcome(agent, status);
  }

  /** A redelivery ran plugins again (those that had not completed the event). */
  redelivered(): void {
    this.counters.redelivered += 1;
  }

  /** One plugin's handlers took `seconds` on one event (only when {@link Telemetry.timesHandlers}). */
  handler(agent: string, plugin: string, event: string, seconds: number): void {
    this.metrics?.observeHandler(agent, plugin, event, seconds);
  }

  /**
   * Queue mode: `depth` records wait in `partition`; a write confirmed after `value` seconds
   * (`enqueue`); a worker started a record `value` seconds after its publish (`lag`); a retry;
   * a dead letter.
   */
  queue(fact: 'depth' | 'enqueue' | 'lag' | 'retry' | 'deadLetter', value = 0, partition = 0): void {
    this.metrics?.observeQueue(fact, value, partition);
  }

  /** A call found its rate limit's bucket empty: it `waited` its turn, was `refused`, or `aborted`. */
  rateLimited(kind: string, outcome: string): void {
    this.metrics?.countRateLimited(kind, outcome);
  }

  /** An RBM API call by HTTP `method` got `status` (0: no answer). */
  outbound(method: string, status: number): void {
    this.metrics?.countOutbound(method, status);
  }
}
