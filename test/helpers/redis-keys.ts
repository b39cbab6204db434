import type { Redis } from 'ioredis';

/**
 * Deletes every key under `prefix:` (SCAN, not KEYS, so a shared Redis is not blocked): what a
 * test, bench or soak run leaves behind.
 *
 * @example
 * await deleteKeysUnder(redis, 'rbmkit-test-1a2b');
 */
export async function deleteKeysUnder(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}
