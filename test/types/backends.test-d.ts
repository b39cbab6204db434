// Compile-time tests: the Redis client rbmkit's stores take is declared by shape, so that
// rbmkit's published types never import ioredis's; an ioredis client must still fit it.
import { expectTypeOf } from 'expect-type';
import type { Redis } from 'ioredis';
import type { RedisClient, RedisConnectionOptions } from 'rbmkit';

expectTypeOf<Redis>().toMatchTypeOf<RedisClient>();
expectTypeOf<{ redis: Redis }>().toMatchTypeOf<RedisConnectionOptions>();
