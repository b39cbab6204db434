import { LRUCache } from 'lru-cache';
import type { Claim, DedupeStore } from './dedupe-store.js';

interface Entry {
  attempts: number;
  inFlight: boolean;
  /** Plugin keys: a short array of shared strings is far lighter than a Set per event. */
  completed: string[] | undefined;
}

const NONE: ReadonlySet<string> = new Set();

export interface MemoryDedupeStoreOptions {
  /** Events remembered at most; the least recently seen go first. Default 100,000. */
  readonly max?: number;
  /** How long an event is remembered, in ms. Default 8 days: Google redelivers for 7. */
  readonly ttlMs?: number;
}

const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;

/**
 * The default dedupe store: in memory, bounded by count and age (LRU). Right for one
 * process; several processes behind one load balancer need a shared store.
 *
 * @example
 * createBot({ ..., dedupe: new MemoryDedupeStore({ max: 10_000 }) });
 */
export class MemoryDedupeStore implements DedupeStore {
  readonly shared = false;
  private readonly entries: LRUCache<string, Entry>;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.entries = new LRUCache<string, Entry>({ max: options.max ?? 100_000, ttl: options.ttlMs ?? EIGHT_DAYS_MS });
  }

  /** Answers at once: no promise per event. */
  claim(key: string): Claim {
    let entry = this.entries.get(key);
    if (entry === undefined) {
      entry = { attempts: 0, inFlight: false, completed: undefined };
      this.entries.set(key, entry);
    }
    entry.attempts += 1;
    const completed = entry.completed === undefined ? NONE : new Set(entry.completed);
    if (entry.inFlight) return { busy: true, attempt: entry.attempts, completed };
    entry.inFlight = true;
    return { busy: false, attempt: entry.attempts, completed };
  }

  complete(key: string, pluginKey: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      if (entry.completed === undefined) entry.completed = [pluginKey];
      else if (!entry.completed.includes(pluginKey)) entry.completed.push(pluginKey);
    }
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.inFlight = false;
  }

  /** How many events are remembered. */
  get size(): number {
    return this.entries.size;
  }
}
