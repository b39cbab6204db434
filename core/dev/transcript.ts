import type { AgentEvent, AgentMessage } from '../client/agent-message.js';
import type { PushOutcome } from './push-to-webhook.js';
import type { UserAction } from './user-action.js';

/** What the web chat page is told, in order: each entry names its conversation (agent + user). */
export type TranscriptEntry = { readonly seq: number; readonly at: string; readonly agentId: string; readonly phone: string } & (
  | { readonly kind: 'user'; readonly id: string; readonly action: UserAction }
  | { readonly kind: 'outcome'; readonly id: string; readonly outcome: PushOutcome }
  | { readonly kind: 'agent-message'; readonly messageId: string; readonly message: AgentMessage; readonly preview?: true }
  | { readonly kind: 'agent-event'; readonly eventId: string; readonly event: AgentEvent }
);

/** An entry before the transcript numbered and dated it. */
export type NewEntry = TranscriptEntry extends infer E ? (E extends TranscriptEntry ? Omit<E, 'seq' | 'at'> : never) : never;

/**
 * The dev server's memory of every conversation: what users did, how the webhook answered,
 * what the agent sent. Keeps the last `limit` entries, numbered from 1, and tells listeners.
 *
 * @example
 * const transcript = new Transcript();
 * transcript.listen((entry) => stream.write(entry));
 * transcript.add({ kind: 'user', agentId, phone, id, action: { type: 'text', text: 'hi' } });
 */
export class Transcript {
  private readonly entries: TranscriptEntry[] = [];
  private readonly listeners = new Set<(entry: TranscriptEntry) => void>();
  private seq = 0;

  constructor(private readonly limit = 2_000) {}

  /** Numbers, dates, keeps and announces an entry. */
  add(entry: NewEntry): TranscriptEntry {
    this.seq += 1;
    const full = { ...entry, seq: this.seq, at: new Date().toISOString() } as TranscriptEntry;
    this.entries.push(full);
    if (this.entries.length > this.limit) this.entries.splice(0, this.entries.length - this.limit);
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** The entries kept whose seq is above `afterSeq`. */
  since(afterSeq = 0): TranscriptEntry[] {
    return this.entries.filter((entry) => entry.seq > afterSeq);
  }

  /** Calls `listener` for every entry added from now on; returns a function that stops it. */
  listen(listener: (entry: TranscriptEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
