import type { PushInfo, UndeliverableReason } from '../events/event-types.js';

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
  /**
   * True while this worker surely still holds the record: its keep-alives reached the broker
   * in time, so the broker cannot have redelivered it elsewhere. False once this worker was
   * frozen or cut off long enough for that: it then records, sends and acks nothing more.
   */
  current(): boolean;
}

/** Consuming records, started by {@link Queue.consume}. */
export interface Consumption {
  /** Stops taking records; resolves once the handlers running now have returned. */
  stop(): Promise<void>;
}

/** A dead letter of an event: a record whose handling failed every attempt. Replayable. */
export interface EventDeadLetter {
  readonly kind: 'event';
  /** Its id in the dead-letter queue. */
  readonly id: string;
  readonly record: QueueRecord;
  /** Why it was given up: the failed plugins and attempts. */
  readonly reason: string;
  /** `Date.now()` when it was dead-lettered. */
  readonly failedAt: number;
}

/**
 * A verified push whose data could not be used (the opt-in `undeliverablePolicy: 'deadLetter'`),
 * kept as it arrived so a human can see what Google sent.
 */
export interface UndeliverablePush {
  readonly reason: UndeliverableReason;
  /** What was wrong with it, and what was expected. */
  readonly message: string;
  /** The envelope's ids and the webhook it arrived at. */
  readonly push: PushInfo;
  /** The agent that owns the webhook; undefined for the partner webhook. */
  readonly webhookAgentId?: string;
  /** The agent the data named, when it could be read (at most 200 characters). */
  readonly claimedAgentId?: string;
  /** The decoded `message.data` (its signature verified) as text, when it is UTF-8. */
  readonly text?: string;
  /** The decoded `message.data` in base64, when it is not UTF-8. */
  readonly base64?: string;
}

/** A dead letter of a push that never became an event. Not replayable: there is no event to run. */
export interface PushDeadLetter {
  readonly kind: 'push';
  readonly id: string;
  readonly push: UndeliverablePush;
  /** `undeliverable <reason>: <message>`. */
  readonly reason: string;
  /** `Date.now()` when it was kept. */
  readonly failedAt: number;
}

/** A broker message a worker could not read as a record, kept base64 for a human. Not replayable. */
export interface UnreadableDeadLetter {
  readonly kind: 'unreadable';
  readonly id: string;
  /** The broker message, base64. */
  readonly raw: string;
  readonly reason: string;
  readonly failedAt: number;
}

/** A dead letter: an event whose handling failed every attempt, an undeliverable push, or an unreadable record. */
export type DeadLetter = EventDeadLetter | PushDeadLetter | UnreadableDeadLetter;

/** The dead-letter queue of a {@link Queue} (or the bot's memory): what `rbmkit dlq` and `bot.deadLetters()` read. */
export interface DeadLetterQueue {
  /** Dead letters, oldest first, at most `limit`. */
  list(limit?: number): Promise<DeadLetter[]>;
  /** One dead letter, or undefined when there is none with that id. */
  get(id: string): Promise<DeadLetter | undefined>;
  /**
   * Publishes an event dead letter again to its partition (confirmed), then removes it. False
   * when there is none with that id; throws a {@link NotReplayableError} for a push or
   * unreadable dead letter, which holds no event.
   */
  replay(id: string): Promise<boolean>;
  /**
   * Keeps an undeliverable push; resolves with its id once stored (confirmed by the broker),
   * or undefined when a bounded store could not hold it at all.
   */
  keep(push: UndeliverablePush): Promise<string | undefined>;
}

/**
 * A dead letter that holds no event (an undeliverable push, an unreadable record) cannot be replayed.
 *
 * @example
 * throw new NotReplayableError('7', 'push');
 */
export class NotReplayableError extends Error {
  readonly code = 'not_replayable';
  constructor(
    readonly id: string,
    readonly kind: 'push' | 'unreadable',
  ) {
    super(
      `dead letter ${id} is ${kind === 'push' ? 'a push whose data could not be used' : 'a broker message that is not a record'}, not an event: there is nothing to replay; ` +
        'expected the id of an event dead letter (read this one with rbmkit dlq show, and fix its sender)',
    );
    this.name = 'NotReplayableError';
  }
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
