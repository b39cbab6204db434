import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Claim, DedupeStore } from './dedupe-store.js';
import { connectRedis, guarded, whenReady, type RedisConnectionOptions } from './redis-connection.js';

export interface RedisDedupeStoreOptions extends RedisConnectionOptions {
  /** Prefix of every key. Default `rbmkit:dedupe:`. */
  readonly prefix?: string;
  /** How long an event is remembered, in ms. Default 8 days: Google redelivers for 7. */
  readonly ttlMs?: number;
  /**
   * How long a claim keeps other processes off an event, in ms: longer than your handlers take
   * (handlerTimeoutMs), so a live claim never lapses, yet short enough that an event claimed
   * by a process that died is retried soon. Default 60,000.
   */
  readonly leaseMs?: number;
}

const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;

// Atomically: count the attempt, take the lease if free, read the completed plugins.
const CLAIM = `
local attempts = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
local taken = redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[2])
local done = redis.call('SMEMBERS', KEYS[2])
if taken then return {1, attempts, done} end
return {0, attempts, done}`;

// Give the lease back only if it is still ours.
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const COMPLETE = `
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

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
  readonly redis: Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly leaseMs: number;
  private readonly leases = new Map<string, string>();
  private readonly ownsClient: boolean;

  constructor(options: RedisDedupeStoreOptions = {}) {
    this.redis = connectRedis(options);
    this.ownsClient = options.redis === undefined;
    this.prefix = options.prefix ?? 'rbmkit:dedupe:';
    this.ttlMs = options.ttlMs ?? EIGHT_DAYS_MS;
    this.leaseMs = options.leaseMs ?? 60_000;
  }

  /** Resolves once Redis is connected (`bot.listen()` waits for this), or rejects after `ms`. */
  open(ms = 5_000): Promise<void> {
    return whenReady(this.redis, ms);
  }

  async claim(key: string): Promise<Claim> {
    const lease = randomUUID();
    const [taken, attempts, done] = (await guarded(this.redis, 'claim an event', () =>
      this.redis.eval(CLAIM, 3, this.key(key, 'meta'), this.key(key, 'done'), this.key(key, 'lease'), lease, this.leaseMs, this.ttlMs),
    )) as [number, number, string[]];
    if (taken === 1) this.leases.set(key, lease);
    return { busy: taken !== 1, attempt: attempts, completed: new Set(done) };
  }

  async complete(key: string, pluginKey: string): Promise<void> {
    await guarded(this.redis, 'record a completed plugin', () => this.redis.eval(COMPLETE, 1, this.key(key, 'done'), pluginKey, this.ttlMs));
  }

  async release(key: string): Promise<void> {
    const lease = this.leases.get(key);
    if (lease === undefined) return;
    this.leases.delete(key);
    await guarded(this.redis, 'release an event', () => this.redis.eval(RELEASE, 1, this.key(key, 'lease'), lease));
  }

  async ping(): Promise<void> {
    await guarded(this.redis, 'answer PING', () => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.redis.disconnect();
  }

  /** `{…}` is a hash tag: an event's keys share one Redis Cluster slot, as its Lua scripts need. */
  private key(key: string, part: string): string {
    return `${this.prefix}{${key.replaceAll('\u0000', '|')}}:${part}`;
  }
}
