import { CONFIG_DEFAULTS } from '../config/config-defaults.js';
import { NotReplayableError, type DeadLetterQueue, type PushDeadLetter, type UndeliverablePush } from './queue.js';

/** Bounds of a {@link MemoryDeadLetters}. */
export interface MemoryDeadLetterLimits {
  /** Dead letters kept at once, at most. Default 1,000. */
  readonly maxLetters?: number;
  /** Bytes kept at once (their JSON), at most. Default 16 MiB. */
  readonly maxBytes?: number;
}

interface Kept {
  readonly letter: PushDeadLetter;
  readonly bytes: number;
}

/**
 * The dead-letter store of a bot without a queue: undeliverable pushes, in memory, bounded by
 * count and by bytes. Past either bound the oldest are dropped first, and counted
 * (`dropped`); a push larger than `maxBytes` alone is not kept at all (counted too). Ids are
 * `m1`, `m2`… in order of arrival. Nothing here is replayable: it holds pushes, not events.
 *
 * @example
 * const letters = new MemoryDeadLetters({ maxLetters: 100, maxBytes: 1024 * 1024 });
 * const id = await letters.keep(push); // 'm1'
 * (await letters.list()).length; // 1
 */
export class MemoryDeadLetters implements DeadLetterQueue {
  private readonly letters = new Map<string, Kept>();
  private readonly maxLetters: number;
  private readonly maxBytes: number;
  private bytes = 0;
  private next = 1;
  private droppedCount = 0;

  /**
   * @param onDrop called once per letter dropped (or not kept), e.g. to count it in metrics.
   */
  constructor(
    limits: MemoryDeadLetterLimits = {},
    private readonly onDrop: () => void = () => undefined,
  ) {
    this.maxLetters = limits.maxLetters ?? CONFIG_DEFAULTS['memoryDeadLetters.maxLetters'];
    this.maxBytes = limits.maxBytes ?? CONFIG_DEFAULTS['memoryDeadLetters.maxBytes'];
  }

  /** Dead letters dropped (oldest first) to stay within the bounds, or too large to keep, since start. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Dead letters kept now. */
  get size(): number {
    return this.letters.size;
  }

  /** Bytes kept now (the letters' JSON). */
  get keptBytes(): number {
    return this.bytes;
  }

  async list(limit = 100): Promise<PushDeadLetter[]> {
    const out: PushDeadLetter[] = [];
    for (const { letter } of this.letters.values()) {
      if (out.length >= limit) break;
      out.push(letter);
    }
    return out;
  }

  async get(id: string): Promise<PushDeadLetter | undefined> {
    return this.letters.get(id)?.letter;
  }

  async replay(id: string): Promise<boolean> {
    if (!this.letters.has(id)) return false;
    throw new NotReplayableError(id, 'push');
  }

  async keep(push: UndeliverablePush): Promise<string | undefined> {
    const id = `m${this.next++}`;
    const letter: PushDeadLetter = { kind: 'push', id, push, reason: `undeliverable ${push.reason}: ${push.message}`, failedAt: Date.now() };
    const bytes = Buffer.byteLength(JSON.stringify(letter));
    if (bytes > this.maxBytes) {
      this.drop();
      return undefined;
    }
    // Oldest first: a Map iterates in insertion order.
    for (const [oldest, kept] of this.letters) {
      if (this.letters.size < this.maxLetters && this.bytes + bytes <= this.maxBytes) break;
      this.letters.delete(oldest);
      this.bytes -= kept.bytes;
      this.drop();
    }
    this.letters.set(id, { letter, bytes });
    this.bytes += bytes;
    return id;
  }

  private drop(): void {
    this.droppedCount += 1;
    this.onDrop();
  }
}
