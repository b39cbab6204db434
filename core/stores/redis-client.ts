/**
 * The part of a Redis client that rbmkit's Redis stores use. An ioredis `Redis` fits it (a
 * compile-time test checks that), and so does any client with these methods. It is declared
 * here, by shape, so that rbmkit's published types never import ioredis's: a project that
 * keeps its stores in memory type-checks without ioredis's types, whatever version npm
 * resolves.
 *
 * @example
 * import { Redis } from 'ioredis';
 * const redis: RedisClient = new Redis(process.env.REDIS_URL!);
 * createBot({ ...config, dedupe: new RedisDedupeStore({ redis }) });
 */
export interface RedisClient {
  /** `'ready'` once connected. */
  readonly status: string;
  /** Where it connects, for messages. */
  readonly options: { readonly host?: string | undefined; readonly port?: number | undefined };
  eval(script: string, numberOfKeys: number, ...keysAndArgs: (string | number)[]): Promise<unknown>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, mode: 'PX', milliseconds: number): Promise<unknown>;
  del(...keys: string[]): Promise<number>;
  exists(...keys: string[]): Promise<number>;
  ping(): Promise<string>;
  config(subcommand: 'GET', parameter: string): Promise<unknown>;
  info(section: string): Promise<string>;
  once(event: 'ready', listener: () => void): unknown;
  off(event: 'ready', listener: () => void): unknown;
  disconnect(): void;
}

/** How a Redis-backed store reaches Redis: a URL (default REDIS_URL, else 127.0.0.1:6379) or a client of your own. */
export interface RedisConnectionOptions {
  readonly url?: string;
  /** A client of your own (an ioredis `Redis`); rbmkit then never disconnects it. */
  readonly redis?: RedisClient;
  /** Time limit of each command, in ms. Default 2,000. */
  readonly commandTimeoutMs?: number;
}
