import { createRequire } from 'node:module';
import type { ConsumerMessages, JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import type { Consumption, DeadLetter, DeadLetterQueue, Queue, QueueDelivery, QueueRecord, UndeliverablePush } from './queue.js';
import { NotReplayableError, QueueFullError, QueueUnavailableError } from './queue.js';
import { partitionOf } from './partition.js';
import { conversationKey, eventOf, parseQueueRecord } from './queue-record.js';

const require = createRequire(import.meta.url);
let natsClient: typeof import('nats') | undefined;

/** The NATS client, loaded when the first queue connects: a bot in direct mode never loads it. */
function natsModule(): typeof import('nats') {
  return (natsClient ??= require('nats') as typeof import('nats'));
}

/** How a {@link NatsQueue} reaches NATS and shapes its streams. Every field has a default. */
export interface NatsQueueOptions {
  /** Default `QUEUE_URL`, else `nats://127.0.0.1:4222`. */
  readonly url?: string;
  /** The stream's name; its subjects are `<name in lower case>.events.<partition>`, its dead letters go to stream `<name>_DLQ`. Default `RBMKIT`. */
  readonly stream?: string;
  /**
   * Partitions conversations are hashed over; one durable consumer each. Fixed once the stream
   * exists: unset, a process adopts the stream's (else 32); set otherwise, opening fails.
   */
  readonly partitions?: number;
  /** Records waiting, at most; past it publishes are refused (503). Default 1,000,000. */
  readonly maxMessages?: number;
  /** Bytes waiting, at most; past it publishes are refused (503). Default 1 GiB. */
  readonly maxBytes?: number;
  /**
   * How long a delivered record may go without an ack or a keep-alive before the broker
   * redelivers it to another worker. Workers keep the records they hold alive every third of
   * it, so this bounds how long a crashed worker's conversations wait, not how long a handler
   * may run. Default 3,000 ms.
   */
  readonly ackWaitMs?: number;
  /** How long a publish waits for the broker's confirmation. Default 5,000 ms. */
  readonly publishTimeoutMs?: number;
  /** How long one pull waits for a record before asking again. Default 5,000 ms. */
  readonly pullExpiresMs?: number;
  /** A publish with the same event id within this window is stored once. Default 120,000 ms. */
  readonly duplicateWindowMs?: number;
}

const encoder = new TextEncoder();
/** Time kept back from `ackWaitMs` for a keep-alive to reach the broker: past it, a worker stops trusting its hold on a record. */
const KEEP_ALIVE_MARGIN_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * rbmkit's queue on NATS JetStream (nats-server 2.9+): one work-queue stream, a subject and
 * a durable pull consumer per partition with `max_ack_pending: 1`, so the broker itself lets
 * only one record per partition be in a worker's hands at a time, whichever worker pulls; a
 * record not acked (its worker died) is redelivered after `ackWaitMs`, before anything behind
 * it. A full stream refuses publishes (`discard: new`). Failed records go to a dead-letter stream.
 *
 * @example
 * const queue = new NatsQueue({ url: 'nats://127.0.0.1:4222' });
 * const bot = createBot({ ...config, queue, dedupe: new RedisDedupeStore() });
 */
export class NatsQueue implements Queue {
  private partitionCount: number;
  readonly stream: string;
  readonly deadLetterStream: string;
  private readonly subject: string;
  private readonly url: string;
  private readonly ackWaitMs: number;
  private readonly publishTimeoutMs: number;
  private readonly pullExpiresMs: number;
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private connected = false;
  private opening: Promise<void> | undefined;
  private readonly consumptions = new Set<Consumption>();
  readonly deadLetters: DeadLetterQueue;

  constructor(private readonly options: NatsQueueOptions = {}) {
    this.url = options.url ?? process.env.QUEUE_URL ?? 'nats://127.0.0.1:4222';
    this.stream = options.stream ?? 'RBMKIT';
    this.deadLetterStream = `${this.stream}_DLQ`;
    this.subject = this.stream.toLowerCase();
    this.partitionCount = options.partitions ?? 32;
    this.ackWaitMs = options.ackWaitMs ?? 3_000;
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.pullExpiresMs = options.pullExpiresMs ?? 5_000;
    this.deadLetters = new NatsDeadLetters(this);
  }

  /** Partitions conversations are hashed over (the stream's, once open). */
  get partitions(): number {
    return this.partitionCount;
  }

  /** Connects and creates the streams and consumers when missing. Rejects when NATS does not answer. */
  open(): Promise<void> {
    this.opening ??= this.connectAndSetUp().catch((error: unknown) => {
      this.opening = undefined;
      throw new QueueUnavailableError(`NATS at ${this.url} is not reachable (${(error as Error).message}); expected a running nats-server with JetStream (-js)`);
    });
    return this.opening;
  }

  async publish(record: QueueRecord, partitionKey: string, id?: string): Promise<void> {
    await this.publishTo(`${this.subject}.events.${partitionOf(partitionKey, this.partitions)}`, record, id);
  }

  async consume(handler: (delivery: QueueDelivery) => Promise<void>): Promise<Consumption> {
    await this.open();
    const running: PartitionFeeds = { stopped: false, feeds: new Set() };
    const loops: Promise<void>[] = [];
    for (let partition = 0; partition < this.partitions; partition += 1) loops.push(this.pull(partition, handler, running));
    const consumption: Consumption = {
      stop: async () => {
        running.stopped = true;
        // Ends each waiting pull at once; a record in a handler's hands is finished first.
        for (const messages of running.feeds) messages.stop();
        await Promise.all(loops);
        this.consumptions.delete(consumption);
      },
    };
    this.consumptions.add(consumption);
    return consumption;
  }

  async ping(): Promise<void> {
    const nc = this.nc;
    if (nc === undefined || !this.connected) throw new QueueUnavailableError(`NATS at ${this.url} is not connected`);
    await nc.rtt();
  }

  async close(): Promise<void> {
    await Promise.all([...this.consumptions].map((consumption) => consumption.stop()));
    const nc = this.nc;
    this.nc = undefined;
    this.opening = undefined;
    if (nc !== undefined && !nc.isClosed()) await nc.drain().catch(() => nc.close());
  }

  /** Deletes both streams and their consumers: for tests and for starting over. */
  async destroy(): Promise<void> {
    await this.open();
    for (const name of [this.stream, this.deadLetterStream]) await this.jsm!.streams.delete(name).catch(() => false);
  }

  /** Publishes and waits for the broker's PubAck; refusals become typed errors. */
  async publishTo(subject: string, value: unknown, id?: string): Promise<number> {
    if (this.nc === undefined) await this.open();
    if (!this.connected) throw new QueueUnavailableError(`NATS at ${this.url} is disconnected; expected it back soon`);
    try {
      const ack = await this.js!.publish(subject, encoder.encode(JSON.stringify(value)), {
        timeout: this.publishTimeoutMs,
        ...(id === undefined ? {} : { msgID: id }),
      });
      if (ack.stream === '') throw new Error('no stream stored the record');
      return ack.seq;
    } catch (error) {
      // A refusal from the stream carries JetStream's own description (err_code 10077, 10047…).
      const apiError = (error as { api_error?: { description?: string; err_code?: number } }).api_error;
      const message = apiError?.description ?? (error as Error).message;
      if (/maximum (messages|bytes)|resources exceeded|insufficient/i.test(message)) {
        throw new QueueFullError(`stream ${this.stream} is full (${message}); expected workers to catch up`);
      }
      throw new QueueUnavailableError(`NATS at ${this.url} did not confirm the write: ${message}`);
    }
  }

  /**
   * JetStream's manager, once open: streams and consumers, for tests and tools. Kept out of
   * the published types, which must not import the NATS client's.
   *
   * @internal
   */
  async manager(): Promise<JetStreamManager> {
    await this.open();
    return this.jsm!;
  }

  /** The subject dead letters are published to. */
  get deadLetterSubject(): string {
    return `${this.subject}.dlq`;
  }

  /** The subject of a partition. */
  partitionSubject(partition: number): string {
    return `${this.subject}.events.${partition}`;
  }

  private async connectAndSetUp(): Promise<void> {
    const server = this.url.replace(/^nats:\/\//, '');
    const { connect, Events } = natsModule();
    // noAsyncTraces: an ack confirmation or a publish would otherwise build two Error objects
    // (a stack trace each) in case it times out; rbmkit's own errors say which call failed.
    const nc = await connect({ servers: server, timeout: 2_000, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true });
    this.nc = nc;
    this.connected = true;
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type === Events.Disconnect) this.connected = false;
        if (status.type === Events.Reconnect) this.connected = true;
      }
    })();
    void nc.closed().then(() => (this.connected = false));
    this.js = nc.jetstream();
    this.jsm = await nc.jetstreamManager();
    await this.ensureStreams(this.jsm);
  }

  private async ensureStreams(jsm: JetStreamManager): Promise<void> {
    const { AckPolicy, DeliverPolicy, DiscardPolicy, nanos, RetentionPolicy, StorageType } = natsModule();
    const existing = await jsm.streams.info(this.stream).catch(() => undefined);
    const made = /partitions=(\d+)/.exec(existing?.config.description ?? '');
    if (made !== null && Number(made[1]) !== this.partitionCount) {
      if (this.options.partitions !== undefined) {
        throw new Error(`stream ${this.stream} has ${made[1]} partitions, this process asks for ${this.partitionCount}; expected the same partitions in every process`);
      }
      this.partitionCount = Number(made[1]);
    }
    const events = {
      name: this.stream,
      description: `rbmkit queue, partitions=${this.partitionCount}`,
      subjects: [`${this.subject}.events.*`],
      retention: RetentionPolicy.Workqueue,
      storage: StorageType.File,
      discard: DiscardPolicy.New,
      max_msgs: this.options.maxMessages ?? 1_000_000,
      max_bytes: this.options.maxBytes ?? 1024 ** 3,
      duplicate_window: nanos(this.options.duplicateWindowMs ?? 120_000),
    };
    await (existing === undefined ? jsm.streams.add(events) : jsm.streams.update(this.stream, events));
    const dead = { name: this.deadLetterStream, subjects: [`${this.subject}.dlq`], retention: RetentionPolicy.Limits, storage: StorageType.File };
    await jsm.streams.info(this.deadLetterStream).catch(() => jsm.streams.add(dead));
    for (let partition = 0; partition < this.partitions; partition += 1) {
      const consumer = {
        durable_name: `p${partition}`,
        filter_subject: this.partitionSubject(partition),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: 1,
        ack_wait: nanos(this.ackWaitMs),
        max_deliver: -1,
      };
      await jsm.consumers.add(this.stream, consumer).catch(() => jsm.consumers.update(this.stream, consumer.durable_name, consumer));
    }
  }

  /**
   * One partition's loop: the client's long-lived pull of one record at a time (the broker
   * holds the next until this one is acked anyway), each handed over in turn. The client
   * itself rides out reconnections and a consumer deleted and made again; should it end the
   * pull anyway (a bad request, a permissions error), it is opened again after a pause.
   */
  private async pull(partition: number, handler: (delivery: QueueDelivery) => Promise<void>, running: PartitionFeeds): Promise<void> {
    while (!running.stopped) {
      let messages: ConsumerMessages;
      try {
        const consumer = await this.js!.consumers.get(this.stream, `p${partition}`);
        // One record per pull, asked for only once the last is handled: no pull stays open while a
        // record is in hand, so a record the broker redelivers (this worker frozen past its hold)
        // never waits in this worker's buffer to be handled as if fresh.
        messages = await consumer.consume({ max_messages: 1, expires: this.pullExpiresMs });
      } catch {
        if (!running.stopped) await sleep(500);
        continue;
      }
      if (running.stopped) return void messages.stop();
      running.feeds.add(messages);
      try {
        for await (const msg of messages) {
          if (running.stopped) {
            msg.nak();
            break;
          }
          await this.hand(partition, msg, handler);
        }
      } catch {
        if (!running.stopped) await sleep(500);
      } finally {
        running.feeds.delete(messages);
        messages.stop();
      }
    }
  }

  private async hand(partition: number, msg: JsMsg, handler: (delivery: QueueDelivery) => Promise<void>): Promise<void> {
    let record: QueueRecord;
    try {
      record = parseQueueRecord(msg.data);
    } catch (error) {
      // Unreadable: nothing can ever handle it. Keep it for a human, free the partition.
      await this.publishTo(this.deadLetterSubject, { raw: Buffer.from(msg.data).toString('base64'), reason: (error as Error).message, failedAt: Date.now() });
      msg.term();
      return;
    }
    // Held while keep-alives leave the broker in time: past `trustedMs` since the last one (a
    // frozen process, a blocked event loop), the broker may have redelivered the record.
    const trustedMs = this.ackWaitMs - Math.min(KEEP_ALIVE_MARGIN_MS, this.ackWaitMs / 3);
    let keptAt = Date.now();
    const current = () => Date.now() - keptAt < trustedMs;
    const keepAlive = setInterval(() => {
      // A worker waking past its hold must not extend what is now another worker's delivery.
      if (!current()) return clearInterval(keepAlive);
      keptAt = Date.now();
      msg.working();
    }, Math.max(100, Math.floor(this.ackWaitMs / 3)));
    let settled = false;
    const delivery: QueueDelivery = {
      record,
      partition,
      deliveries: msg.info.redeliveryCount,
      pending: msg.info.pending,
      ack: async () => {
        settled = true;
        await msg.ackAck();
      },
      deadLetter: async (reason) => {
        await this.publishTo(this.deadLetterSubject, { record, reason, failedAt: Date.now() });
        settled = true;
        await msg.ackAck();
      },
      release: () => {
        settled = true;
        msg.nak();
      },
      current,
    };
    try {
      await handler(delivery);
    } catch {
      if (!settled) msg.nak();
    } finally {
      clearInterval(keepAlive);
    }
  }
}

/** One consumption's partition pulls: stopping ends the open ones. */
interface PartitionFeeds {
  stopped: boolean;
  readonly feeds: Set<ConsumerMessages>;
}

/** The dead-letter stream of a {@link NatsQueue}; ids are stream sequence numbers. */
class NatsDeadLetters implements DeadLetterQueue {
  constructor(private readonly queue: NatsQueue) {}

  async list(limit = 100): Promise<DeadLetter[]> {
    const jsm = await this.queue.manager();
    const { state } = await jsm.streams.info(this.queue.deadLetterStream);
    const letters: DeadLetter[] = [];
    if (state.messages === 0) return letters;
    for (let seq = state.first_seq; seq <= state.last_seq && letters.length < limit; seq += 1) {
      const letter = await this.get(String(seq));
      if (letter !== undefined) letters.push(letter);
    }
    return letters;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    const seq = Number(id);
    if (!Number.isInteger(seq) || seq <= 0) return undefined;
    const jsm = await this.queue.manager();
    let value: StoredDeadLetter;
    try {
      value = (await jsm.streams.getMessage(this.queue.deadLetterStream, { seq })).json<StoredDeadLetter>();
    } catch {
      return undefined;
    }
    const { reason, failedAt } = value;
    if (value.record !== undefined) return { kind: 'event', id: String(seq), record: value.record, reason, failedAt };
    if (value.push !== undefined) return { kind: 'push', id: String(seq), push: value.push, reason, failedAt };
    return { kind: 'unreadable', id: String(seq), raw: value.raw ?? '', reason, failedAt };
  }

  async replay(id: string): Promise<boolean> {
    const letter = await this.get(id);
    if (letter === undefined) return false;
    if (letter.kind !== 'event') throw new NotReplayableError(letter.id, letter.kind);
    const record: QueueRecord = { ...letter.record, publishedAt: Date.now() };
    await this.queue.publish(record, conversationKey(eventOf(record)));
    const jsm = await this.queue.manager();
    await jsm.streams.deleteMessage(this.queue.deadLetterStream, Number(id));
    return true;
  }

  async keep(push: UndeliverablePush): Promise<string> {
    const seq = await this.queue.publishTo(this.queue.deadLetterSubject, { push, reason: `undeliverable ${push.reason}: ${push.message}`, failedAt: Date.now() });
    return String(seq);
  }
}

/** A dead letter as the stream holds it: one of `record`, `push` or `raw`. */
interface StoredDeadLetter {
  readonly record?: QueueRecord;
  readonly push?: UndeliverablePush;
  readonly raw?: string;
  readonly reason: string;
  readonly failedAt: number;
}
