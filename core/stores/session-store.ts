import { LRUCache } from 'lru-cache';

/**
 * Where conversation state lives. Values are JSON-serializable. The in-memory store serves
 * one process; {@link RedisSessionStore} shares state across processes.
 */
export interface SessionStore {
  get(key: string): Promise<unknown>;
  /** Stores `value` for `ttlMs`. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** True when several processes see the same sessions (Redis). */
  readonly shared?: boolean;
  /** Connects; `bot.listen()` waits for it (and logs, without failing, when it cannot). */
  open?(): Promise<void>;
  /** Resolves when the store answers, rejects when it does not: readiness asks this. */
  ping?(): Promise<void>;
  /** Frees resources; called by `bot.close()`. */
  close?(): Promise<void>;
}

/**
 * Conversation state in memory, bounded by count (LRU) and each entry's age.
 *
 * @example
 * createBot({ ...config, sessions: new MemorySessionStore({ max: 50_000 }) });
 */
export class MemorySessionStore implements SessionStore {
  readonly shared = false;
  private readonly entries: LRUCache<string, { value: string }>;

  constructor(options: { max?: number } = {}) {
    // Bounded by a size of 1 per entry rather than by `max`: lru-cache reserves arrays for `max`
    // entries up front (a 5,000,000-entry campaign store held 78 MB from the start), and
    // grows them with use under `maxSize`.
    this.entries = new LRUCache({ maxSize: options.max ?? 100_000, sizeCalculation: () => 1, ttlAutopurge: false });
  }

  async get(key: string): Promise<unknown> {
    const entry = this.entries.get(key);
    return entry === undefined ? undefined : JSON.parse(entry.value);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    // Stored as JSON, as Redis would: a caller mutating its object later changes nothing here.
    this.entries.set(key, { value: JSON.stringify(value) }, { ttl: ttlMs });
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }
}

/** One plugin's state for one conversation (agent + user), reached through `ctx.session`. */
export interface Session {
  /**
   * The stored state, or undefined.
   *
   * @example
   * const cart = (await ctx.session.get<string[]>()) ?? [];
   */
  get<T = unknown>(): Promise<T | undefined>;
  /**
   * Stores the state for `ttlMs` (default 24 h).
   *
   * @example
   * await ctx.session.set([...cart, 'pho']);
   */
  set(value: unknown, ttlMs?: number): Promise<void>;
  /**
   * Forgets the state.
   *
   * @example
   * await ctx.session.clear();
   */
  clear(): Promise<void>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A session bound to one key of a store.
 *
 * @example
 * const session = sessionFor(store, 'shop@rbm.goog|+12223334444|cart');
 */
export function sessionFor(store: SessionStore, key: string): Session {
  return {
    get: async <T>() => (await store.get(key)) as T | undefined,
    set: (value, ttlMs = DAY_MS) => store.set(key, value, ttlMs),
    clear: () => store.delete(key),
  };
}
