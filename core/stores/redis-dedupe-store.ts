import { randomUUID } from 'node:crypto';
import type { RedisClient, RedisConnectionOptions } from './redis-client.js';
import type { Claim, ClaimOptions, DedupeStore } from './dedupe-store.js';
import { connectRedis, describeRedis, guarded, redisPersistence, whenReady, type RedisPersistence } from './redis-connection.js';
import { StoreUnavailableError } from './store-errors.js';

export interface RedisDedupeStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key. Default `rbmkit:dedupe:`. */
  readonly prefix?: string;
  /** How long an event is remembered, in ms. Default 8 days: Google redelivers for 7. */
  readonly ttlMs?: number;
  /**
   * How long a claim keeps other processes off an event without being renewed, in ms. A
   * holder renews its leases every third of this while its handlers run, so a live claim
   * never lapses however long they take, and an event claimed by a process that died is free
   * again within this time. Default 6,000.
   */
  readonly leaseMs?: number;
  /**
   * Accept a Redis that keeps nothing on disk (no RDB snapshots, no AOF) in production
   * (`NODE_ENV=production`). Without it such a store refuses to serve there: after a Redis
   * restart every redelivered event would run again. Default false.
   */
  readonly allowVolatile?: boolean;
  /**
   * How long a claim finding the event leased by another process, with plugins already
   * completed, waits for that lease to end before answering busy (503), in ms: two copies of
   * a finished event arriving at once are then both answered 200 duplicate. Default 1,000.
   */
  readonly busyWaitMs?: number;
  /** Where the start-up warnings go (a pino logger will do). Default: `process.emitWarning`. */
  readonly logger?: { warn(message: string): void };
}

const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;

// Atomically: count the attempt (unless ARGV[4] is 0: the same attempt, asked again), take the
// lease if free (or whoever holds it, when ARGV[5] is 1: a takeover), read the completed plugins.
const CLAIM = `
local attempts
if ARGV[4] == '0' then attempts = tonumber(redis.call('HGET', KEYS[1], 'attempts') or '1') else attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local taken
if ARGV[5] == '1' then taken = redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[2]) else taken = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2]) end
local done = redis.call('SMEMBERS', KEYS[2])
if taken then return {1, attempts, done} end
return {0, attempts, done}`;

// Give the lease back only if it is still ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

// Extend the lease only if it is still ours: 0 means another holder took it over.
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** A lease this process holds: its value, and until when (local clock) it is surely still ours. */
interface HeldLease {
  readonly value: string;
  /** Date.now() before which the lease cannot have lapsed: when the last renewal (or the claim) was sent, plus the lease. */
  validUntil: number;
  /** A renewal found another holder's value: taken over. */
  lost: boolean;
}

/** Time kept back from a lease's end for the command that set it to travel: past it, a holder stops trusting its lease. */
const LEASE_MARGIN_MS = 500;

// ARGV[1] is the time to live, the rest the plugins that completed.
const COMPLETE = `
redis.call('SADD', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/** Plugins completed on one event in one synchronous run, recorded by one command. */
interface CompletionBatch {
  readonly plugins: string[];
  readonly recorded: Promise<void>;
}

/**
 * The dedupe store for several rbmkit processes behind one load balancer: which plugins
 * completed each event, and a lease per event in flight, kept in Redis. A duplicate reaching
 * another process is not dispatched again, and an event in flight in one process is answered
 * 503 (busy) by the others. When Redis does not answer, pushes get 503, never a dispatch
 * without a record.
 *
 * @example
 * createBot({ ...config, dedupe: new RedisDedupeStore({ url: process.env.REDIS_URL }) });
 */
export class RedisDedupeStore implements DedupeStore {
  readonly shared = true;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private readonly leases = new Map<string, HeldLease>();
  /** Completions waiting for the synchronous run that asked for them to end, by event key. */
  private readonly completions = new Map<string, CompletionBatch>();
  /** Renews every held lease every third of `leaseMs`; runs only while leases are held. */
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly ownsClient: boolean;
  private readonly options: RedisDedupeStoreOptions;
  /** Why this store refuses to serve (a volatile Redis in production), if it does. */
  private refusal: string | undefined;
  /** What Redis keeps on disk, once `open()` asked. */
  persistence: RedisPersistence | undefined;

  constructor(options: RedisDedupeStoreOptions = {}) {
    this.redis = connectRedis(options);
    this.ownsClient = options.redis === undefined;
    this.prefix = options.prefix ?? 'rbmkit:dedupe:';
    this.ttlMs = options.ttlMs ?? EIGHT_DAYS_MS;
    this.leaseMs = options.leaseMs ?? 6_000;
    this.options = options;
  }

  /**
   * Resolves once Redis is connected (`bot.listen()` waits for this), or rejects after `ms`.
   * Then checks that Redis keeps its data across a restart: when it keeps nothing on disk it
   * warns loudly, and in production (`NODE_ENV=production`) refuses to serve (rejects here,
   * and every claim fails: pushes get 503) unless `allowVolatile`; when it cannot tell
   * (CONFIG not permitted), it warns so.
   *
   * @example
   * await new RedisDedupeStore({ url, allowVolatile: true }).open();
   */
  async open(ms = 5_000): Promise<void> {
    await whenReady(this.redis, ms);
    this.persistence = await redisPersistence(this.redis);
    const where = `Redis at ${describeRedis(this.redis)}`;
    if (this.persistence === 'unknown') {
      this.warn(
        `RedisDedupeStore: could not check whether ${where} keeps its data across a restart (CONFIG GET save/appendonly refused); ` +
          'expected AOF (appendonly yes) or RDB snapshots: without either, a restart forgets which events completed and every redelivery runs again',
      );
    } else if (this.persistence === 'none') {
      const problem =
        `RedisDedupeStore: ${where} KEEPS NOTHING ON DISK (no RDB snapshots, no AOF): after a Redis restart every redelivered event will be handled again. ` +
        'Expected appendonly yes (or a save schedule) on the server';
      if (process.env.NODE_ENV === 'production' && this.options.allowVolatile !== true) {
        this.refusal = `${problem}; refusing to serve in production (NODE_ENV=production) unless new RedisDedupeStore({ allowVolatile: true })`;
        throw new StoreUnavailableError(this.refusal);
      }
      this.warn(`${problem}, or new RedisDedupeStore({ allowVolatile: true }) to accept it`);
    }
  }

  async claim(key: string, options?: ClaimOptions): Promise<Claim> {
    if (this.refusal !== undefined) throw new StoreUnavailableError(this.refusal);
    const lease = randomUUID();
    const sentAt = Date.now();
    const takeover = options?.takeover === true;
    let [taken, attempts, done] = await this.tryClaim(key, lease, true, takeover);
    // Leased elsewhere, yet plugins already completed it: most likely a copy of a finished event
    // that the other process is only confirming. Wait for its lease rather than answer busy.
    const until = Date.now() + (this.options.busyWaitMs ?? 1_000);
    while (taken !== 1 && done.length > 0 && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      if ((await guarded(this.redis, 'read a lease', () => this.redis.exists(this.key(key, 'lease')))) === 1) continue;
      [taken, attempts, done] = await this.tryClaim(key, lease, false, false);
    }
    if (taken === 1) {
      this.leases.set(key, { value: lease, validUntil: sentAt + this.leaseMs - LEASE_MARGIN_MS, lost: false });
      this.heartbeat ??= setInterval(() => this.renewAll(), Math.max(50, Math.floor(this.leaseMs / 3))).unref();
    }
    return { busy: taken !== 1, attempt: attempts, completed: new Set(done) };
  }

  holds(key: string): boolean {
    const held = this.leases.get(key);
    return held !== undefined && !held.lost && Date.now() < held.validUntil;
  }

  private async tryClaim(key: string, lease: string, count: boolean, takeover: boolean): Promise<[number, number, string[]]> {
    return (await guarded(this.redis, 'claim an event', () =>
      this.redis.eval(CLAIM, 3, this.key(key, 'meta'), this.key(key, 'done'), this.key(key, 'lease'), lease, this.leaseMs, this.ttlMs, count ? '1' : '0', takeover ? '1' : '0'),
    )) as [number, number, string[]];
  }

  /**
   * One heartbeat: extends every lease still held. A lease found in other hands is marked
   * lost; a renewal that fails (Redis down) leaves the lease to lapse at its time, and
   * {@link holds} says so once it may have.
   */
  private renewAll(): void {
    const sentAt = Date.now();
    for (const [key, held] of this.leases) {
      if (held.lost) continue;
      this.redis.eval(RENEW, 1, this.key(key, 'lease'), held.value, this.leaseMs).then(
        (renewed) => {
          if (renewed === 1) held.validUntil = Math.max(held.validUntil, sentAt + this.leaseMs - LEASE_MARGIN_MS);
          else held.lost = true;
        },
        () => undefined,
      );
    }
  }

  private warn(message: string): void {
    if (this.options.logger !== undefined) this.options.logger.warn(message);
    else process.emitWarning(message, { code: 'RBMKIT_VOLATILE_REDIS' });
  }

  /**
   * Records a completed plugin. Completions of the same event asked for one after another, in
   * one synchronous run (a plugin that claimed the event records its claim, then itself),
   * share one command, sent once that run is over.
   */
  complete(key: string, pluginKey: string): Promise<void> {
    const waiting = this.completions.get(key);
    if (waiting !== undefined) {
      waiting.plugins.push(pluginKey);
      return waiting.recorded;
    }
    const plugins = [pluginKey];
    const recorded = Promise.resolve().then(async () => {
      this.completions.delete(key);
      await guarded(this.redis, 'record a completed plugin', () => this.redis.eval(COMPLETE, 1, this.key(key, 'done'), this.ttlMs, ...plugins));
    });
    this.completions.set(key, { plugins, recorded });
    return recorded;
  }

  async release(key: string): Promise<void> {
    const held = this.leases.get(key);
    if (held === undefined) return;
    this.leases.delete(key);
    if (this.leases.size === 0) this.stopHeartbeat();
    // Taken over: the lease is its new holder's now.
    if (held.lost) return;
    await guarded(this.redis, 'release an event', () => this.redis.eval(RELEASE, 1, this.key(key, 'lease'), held.value));
  }

  private stopHeartbeat(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  async ping(): Promise<void> {
    if (this.refusal !== undefined) throw new StoreUnavailableError(this.refusal);
    await guarded(this.redis, 'answer PING', () => this.redis.ping());
  }

  async close(): Promise<void> {
    this.stopHeartbeat();
    if (this.ownsClient) this.redis.disconnect();
  }

  /** `{…}` is a hash tag: an event's keys share one Redis Cluster slot, as its Lua scripts need. */
  private key(key: string, part: string): string {
    return `${this.prefix}{${key.replaceAll('\u0000', '|')}}:${part}`;
  }
}
