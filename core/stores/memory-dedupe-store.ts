import type { Claim, DedupeStore } from './dedupe-store.js';

interface Entry {
  attempts: number;
  inFlight: boolean;
  /** The plugins that completed it, as a list shared by every event that completed the same ones. */
  completed: CompletedList | undefined;
  /** When the event was first claimed, in ms since the store was made. */
  seenAt: number;
}

/**
 * One list of completed plugins, in the order they completed, and the lists one more plugin
 * makes of it: a tree from which events that complete the same plugins (nearly all of them)
 * share their list instead of each holding an array.
 */
interface CompletedList {
  readonly plugins: readonly string[];
  /** Made when a first event completes one more plugin after these. */
  next: Map<string, CompletedList> | undefined;
}

const NONE: ReadonlySet<string> = new Set();
/** Shared lists kept at most: past it (plugins with ever-new names), lists are made per event. */
const MAX_SHARED_LISTS = 10_000;

export interface MemoryDedupeStoreOptions {
  /** Events remembered at most; the least recently claimed go first. Default 100,000. */
  readonly max?: number;
  /** How long an event is remembered after it was first claimed, in ms. Default 8 days: Google redelivers for 7. */
  readonly ttlMs?: number;
}

const EIGHT_DAYS_MS = 8 * 24 * 60 * 60 * 1000;

/** At most this many expired entries are dropped per claim: the purge never stalls a push. */
const PURGE_STEP = 4;

/**
 * The default dedupe store: in memory, bounded by count and age. Right for one process;
 * several processes behind one load balancer need a shared store.
 *
 * One Map in order of last claim: a new event is a single `set`, a redelivery moves its
 * entry to the end, and past `max` the first entry goes. An LRU cache would keep its own
 * lists and a timestamp array beside the map; an event is claimed once or a few times,
 * so recency on claims is all this needs. An entry past its age counts as new when claimed
 * again, and expired entries at the front are dropped a few at a time.
 *
 * @example
 * createBot({ ..., dedupe: new MemoryDedupeStore({ max: 10_000 }) });
 */
export class MemoryDedupeStore implements DedupeStore {
  readonly shared = false;
  private readonly entries = new Map<string, Entry>();
  private readonly max: number;
  private readonly ttlMs: number;
  /** The store's own clock origin: entry times stay small integers for days. */
  private readonly epoch = Date.now();
  /** The shared lists of one plugin, by its key: the roots of the tree. */
  private readonly lists = new Map<string, CompletedList>();
  private sharedLists = 0;

  constructor(options: MemoryDedupeStoreOptions = {}) {
    this.max = Math.max(1, options.max ?? 100_000);
    this.ttlMs = options.ttlMs ?? EIGHT_DAYS_MS;
  }

  /** Answers at once: no promise per event. */
  claim(key: string): Claim {
    const now = Date.now() - this.epoch;
    let entry = this.entries.get(key);
    if (entry !== undefined) {
      // Claimed again: last in the order of claims, or forgotten when too old.
      this.entries.delete(key);
      if (now - entry.seenAt > this.ttlMs) entry = undefined;
      else this.entries.set(key, entry);
    }
    if (entry === undefined) {
      entry = { attempts: 0, inFlight: false, completed: undefined, seenAt: now };
      // A key built by concatenation is a rope over its parts, and each part a copy of what the
      // parsed event held (agentId, phone, id): kept as the map's key, all of it stays for as
      // long as the event is remembered. Reading a character makes V8 flatten the rope in place
      // into one string, and the parts go: about 15 MB fewer per 100,000 events remembered.
      key.charCodeAt(0);
      this.entries.set(key, entry);
      this.trim(now);
    }
    entry.attempts += 1;
    const completed = entry.completed === undefined ? NONE : new Set(entry.completed.plugins);
    if (entry.inFlight) return { busy: true, attempt: entry.attempts, completed };
    entry.inFlight = true;
    return { busy: false, attempt: entry.attempts, completed };
  }

  complete(key: string, pluginKey: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    const done = entry.completed;
    if (done !== undefined && done.plugins.includes(pluginKey)) return;
    let list = done === undefined ? this.lists.get(pluginKey) : done.next?.get(pluginKey);
    if (list === undefined) {
      list = { plugins: Object.freeze(done === undefined ? [pluginKey] : [...done.plugins, pluginKey]), next: undefined };
      if (this.sharedLists < MAX_SHARED_LISTS) {
        if (done === undefined) this.lists.set(pluginKey, list);
        else (done.next ??= new Map()).set(pluginKey, list);
        this.sharedLists += 1;
      }
    }
    entry.completed = list;
  }

  release(key: string): void {
    const entry = this.entries.get(key);
    if (entry !== undefined) entry.inFlight = false;
  }

  /** How many events are remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Past `max`, the least recently claimed go; then a few expired ones at the front. */
  private trim(now: number): void {
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    let purged = 0;
    for (const [key, entry] of this.entries) {
      if (purged === PURGE_STEP || now - entry.seenAt <= this.ttlMs) break;
      this.entries.delete(key);
      purged += 1;
    }
  }
}
