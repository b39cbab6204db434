import type { PushInfo } from '../events/event-types.js';

/**
 * One verified event as it travels through the broker: the decoded, signature-checked data,
 * the push info and the agent it belongs to; enough to rebuild the typed event with
 * `parseEvent`. Nothing in it is re-verified by a worker: only ingress writes to the broker.
 */
export interface QueueRecord {
  /** Format version of the record. */
  readonly v: 1;
  /** The agent the event is for (the webhook's own agent when the data names none). */
  readonly agentId: string;
  /** The decoded `message.data`, exactly as verified. */
  readonly data: Readonly<Record<string, unknown>>;
  readonly push: PushInfo;
  /** `Date.now()` when ingress published the record: worker lag is measured from it. */
  readonly publishedAt: number;
}

/**
 * One record handed to a worker: it must end in `ack`, `deadLetter` or `release`. While the
 * handler runs, the queue keeps telling the broker it is still at work (no redelivery).
 */
export interface QueueDelivery {
  readonly record: QueueRecord;
  /** The partition it came from. */
  readonly partition: number;
  /** How many times the broker delivered it, this time included (2+: a worker died or gave it back). */
  readonly deliveries: number;
  /** Records still waiting behind it in its partition, as the broker counted at delivery. */
  readonly pending: number;
  /** Done with it: the broker forgets it and the next record of the partition may pass. */
  ack(): Promise<void>;
  /** Moves it to the dead-letter queue (confirmed by the broker), then acks it. */
  deadLetter(reason: string): Promise<void>;
  /** Gives it back unhandled (shutdown): the broker redelivers it first. */
  release(): void;
}

/** Consuming records, started by {@link Queue.consume}. */
export interface Consumption {
  /** Stops taking records; resolves once the handlers running now have returned. */
  stop(): Promise<void>;
}

/** A dead letter: a record whose handling failed every attempt. */
export interface DeadLetter {
  /** Its id in the dead-letter queue. */
  readonly id: string;
  readonly record: QueueRecord;
  /** Why it was given up: the failed plugins and attempts. */
  readonly reason: string;
  /** `Date.now()` when it was dead-lettered. */
  readonly failedAt: number;
}

/** The dead-letter queue of a {@link Queue}: what `rbmkit dlq` reads and replays. */
export interface DeadLetterQueue {
  /** Dead letters, oldest first, at most `limit`. */
  list(limit?: number): Promise<DeadLetter[]>;
  /** One dead letter, or undefined when there is none with that id. */
  get(id: string): Promise<DeadLetter | undefined>;
  /** Publishes it again to its partition (confirmed), then removes it from the dead-letter queue. */
  replay(id: string): Promise<boolean>;
}

/**
 * A broker behind rbmkit's queue mode: ingress publishes each verified event, workers consume
 * them, one at a time per partition. Kept small so another broker (Kafka, Pub/Sub pull) can
 * be added behind it; rbmkit ships a NATS JetStream one ({@link NatsQueue}).
 */
export interface Queue {
  /** How many partitions conversations are spread over. */
  readonly partitions: number;
  /** Connects (and creates the streams or queues it needs); `bot.listen()` and `bot.work()` wait for it. */
  open(): Promise<void>;
  /**
   * Writes a record to the partition of `partitionKey`. Resolves only once the broker confirmed
   * the write; rejects with a {@link QueueUnavailableError} (or {@link QueueFullError}) otherwise.
   * `id` (the event's dedupe key): a second publish of it soon after is stored once.
   */
  publish(record: QueueRecord, partitionKey: string, id?: string): Promise<void>;
  /** Starts handing records to `handler`: one at a time per partition, across every worker. */
  consume(handler: (delivery: QueueDelivery) => Promise<void>): Promise<Consumption>;
  /** Resolves when the broker answers, rejects when it does not. */
  ping(): Promise<void>;
  /** Stops consuming, waits for confirms in flight, disconnects. */
  close(): Promise<void>;
  readonly deadLetters: DeadLetterQueue;
}

/**
 * The broker could not confirm a write (unreachable, timed out): ingress answers 503.
 *
 * @example
 * throw new QueueUnavailableError('NATS at 127.0.0.1:4222 is not connected; expected a running nats-server with JetStream');
 */
export class QueueUnavailableError extends Error {
  readonly code: string = 'queue_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'QueueUnavailableError';
  }
}

/**
 * The broker refused a write because the queue is full: ingress answers 503.
 *
 * @example
 * throw new QueueFullError('stream RBMKIT is full (maximum messages exceeded); expected workers to catch up');
 */
export class QueueFullError extends QueueUnavailableError {
  override readonly code = 'queue_full';
  constructor(message: string) {
    super(message);
    this.name = 'QueueFullError';
  }
}
