import { createRequire } from 'node:module';
import type { RedisOptions } from 'ioredis';
import type { RedisClient, RedisConnectionOptions } from './redis-client.js';
import { StoreUnavailableError } from './store-errors.js';

const require = createRequire(import.meta.url);
let ioredis: typeof import('ioredis') | undefined;

/** ioredis, loaded when the first Redis store connects: a bot keeping its stores in memory never loads it (~20 MB of RSS). */
function ioredisModule(): typeof import('ioredis') {
  return (ioredis ??= require('ioredis') as typeof import('ioredis'));
}

/**
 * A Redis client that fails fast instead of queueing commands while disconnected, so a store
 * outage becomes a clear 503 rather than a hang, and reconnects on its own.
 *
 * @example
 * const redis = connectRedis({ url: 'redis://127.0.0.1:6379' });
 */
export function connectRedis(options: RedisConnectionOptions): RedisClient {
  if (options.redis !== undefined) return options.redis;
  const settings: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: options.commandTimeoutMs ?? 2_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(times * 100, 2_000),
  };
  const client = new (ioredisModule().Redis)(options.url ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', settings);
  // Without a listener, a connection error would crash the process; the store reports it instead.
  client.on('error', () => undefined);
  return client;
}

/**
 * Resolves once the client is connected, or rejects naming where it tried.
 *
 * @example
 * await whenReady(redis, 5_000);
 */
export async function whenReady(redis: RedisClient, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new StoreUnavailableError(`Redis at ${describe(redis)} is not reachable after ${ms} ms; expected a running redis-server (REDIS_URL)`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Runs a Redis command, turning any failure into a StoreUnavailableError that says what failed. */
export async function guarded<T>(redis: RedisClient, what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (error) {
    throw new StoreUnavailableError(`Redis at ${describe(redis)} failed to ${what}: ${(error as Error).message}`);
  }
}

function describe(redis: RedisClient): string {
  return `${redis.options.host ?? '127.0.0.1'}:${redis.options.port ?? 6379}`;
}

/** What a Redis server keeps on disk: snapshots (RDB), an append-only file (AOF), both, none, or unknown (CONFIG refused). */
export type RedisPersistence = 'rdb' | 'aof' | 'rdb+aof' | 'none' | 'unknown';

/**
 * Asks Redis whether it keeps its data across a restart: `CONFIG GET save` and
 * `CONFIG GET appendonly`, else (CONFIG refused, as on managed Redis) `INFO persistence`'s
 * `aof_enabled`; `unknown` when neither answers.
 *
 * @example
 * await redisPersistence(redis); // 'none' for a redis-server started with --save '' --appendonly no
 */
export async function redisPersistence(redis: RedisClient): Promise<RedisPersistence> {
  try {
    const [, save] = (await redis.config('GET', 'save')) as string[];
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    if (save === undefined || appendonly === undefined) throw new Error('CONFIG GET answered nothing');
    const rdb = save.trim() !== '';
    const aof = appendonly === 'yes';
    return rdb && aof ? 'rdb+aof' : rdb ? 'rdb' : aof ? 'aof' : 'none';
  } catch {
    try {
      const info = await redis.info('persistence');
      return /^aof_enabled:1\s*$/m.test(info) ? 'aof' : 'unknown';
    } catch {
      return 'unknown';
    }
  }
}

/**
 * Where a client connects, for messages: `host:port`.
 *
 * @example
 * describeRedis(redis); // '127.0.0.1:6379'
 */
export function describeRedis(redis: RedisClient): string {
  return describe(redis);
}
