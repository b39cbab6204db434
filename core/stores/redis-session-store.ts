import type { RedisClient, RedisConnectionOptions } from './redis-client.js';
import { connectRedis, guarded, whenReady } from './redis-connection.js';
import type { SessionStore } from './session-store.js';

/**
 * Conversation state in Redis, shared by every rbmkit process: JSON values with a TTL.
 *
 * @example
 * createBot({ ...config, sessions: new RedisSessionStore({ url: process.env.REDIS_URL }) });
 */
export class RedisSessionStore implements SessionStore {
  readonly shared = true;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly ownsClient: boolean;

  constructor(options: RedisConnectionOptions & { prefix?: string } = {}) {
    this.redis = connectRedis(options);
    this.ownsClient = options.redis === undefined;
    this.prefix = options.prefix ?? 'rbmkit:session:';
  }

  /** Resolves once Redis is connected, or rejects after `ms`. */
  open(ms = 5_000): Promise<void> {
    return whenReady(this.redis, ms);
  }

  async get(key: string): Promise<unknown> {
    const text = await guarded(this.redis, 'read a session', () => this.redis.get(this.prefix + key));
    return text === null ? undefined : JSON.parse(text);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await guarded(this.redis, 'write a session', () => this.redis.set(this.prefix + key, JSON.stringify(value), 'PX', ttlMs));
  }

  async delete(key: string): Promise<void> {
    await guarded(this.redis, 'delete a session', () => this.redis.del(this.prefix + key));
  }

  async ping(): Promise<void> {
    await guarded(this.redis, 'answer PING', () => this.redis.ping());
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.redis.disconnect();
  }
}
