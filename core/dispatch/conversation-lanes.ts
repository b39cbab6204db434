import type { RbmEvent } from '../events/event-types.js';

/**
 * The conversation (agent + user) an event belongs to, whose events run one at a time;
 * undefined for an event about no user, which waits for none.
 *
 * @example
 * conversationOf(event); // 'a@rbm.goog\u0000+12223334444'
 */
export function conversationOf(event: RbmEvent): string | undefined {
  return event.phone === undefined ? undefined : `${event.agentId}\u0000${event.phone}`;
}

/**
 * Admission and order of events: at most `maxInFlight` accepted and not finished at once (past
 * it, new ones are refused rather than queued); per conversation one event at a time, in
 * arrival order; conversations side by side.
 *
 * @example
 * const lanes = new ConversationLanes(1_000);
 * if (!lanes.accept()) return OVERLOADED;
 * const conversation = conversationOf(event);
 * const turn = lanes.turn(conversation);
 * if (turn !== undefined) await turn;
 * try { await run(event); } finally { lanes.finished(conversation); }
 */
export class ConversationLanes {
  /** Events accepted and not finished (running or waiting their turn). */
  private accepted = 0;
  /** Who waits in `drain` for `accepted` to reach 0. */
  private idle: Array<() => void> = [];
  /**
   * The conversations with an event running, and the starts of their events waiting their
   * turn, oldest first (null: none waits). No promise chain per event.
   */
  private readonly conversations = new Map<string, Array<() => void> | null>();

  constructor(private readonly maxInFlight: number) {}

  /** Events accepted and not finished (running or waiting their turn). */
  get acceptedCount(): number {
    return this.accepted;
  }

  /**
   * Accepts one more event, unless `maxInFlight` are in flight already: then false, and the
   * event is refused. Each accepted event ends with one {@link ConversationLanes.finished}.
   *
   * @example
   * if (!lanes.accept()) return OVERLOADED;
   */
  accept(): boolean {
    if (this.accepted >= this.maxInFlight) return false;
    this.accepted += 1;
    return true;
  }

  /**
   * Takes an accepted event's turn in its conversation: undefined when it may run now (the
   * conversation is free, or it has none), else a promise that resolves when the events before
   * it finished. Nothing is made for an event that runs at once.
   *
   * @example
   * const turn = lanes.turn(conversationOf(event));
   * return turn === undefined ? run() : turn.then(run);
   */
  turn(conversation: string | undefined): Promise<void> | undefined {
    if (conversation === undefined) return undefined;
    const waiting = this.conversations.get(conversation);
    if (waiting === undefined) {
      this.conversations.set(conversation, null);
      return undefined;
    }
    return new Promise<void>((start) => {
      if (waiting === null) this.conversations.set(conversation, [start]);
      else waiting.push(start);
    });
  }

  /**
   * One accepted event finished: it no longer counts, and the next event of its conversation,
   * if one waits, gets its turn.
   *
   * @example
   * lanes.finished(conversationOf(event));
   */
  finished(conversation: string | undefined): void {
    this.accepted -= 1;
    if (this.accepted === 0 && this.idle.length > 0) {
      const waiting = this.idle;
      this.idle = [];
      for (const resolve of waiting) resolve();
    }
    if (conversation === undefined) return;
    const waiting = this.conversations.get(conversation);
    const next = waiting?.shift();
    if (next === undefined) {
      this.conversations.delete(conversation);
      return;
    }
    if (waiting!.length === 0) this.conversations.set(conversation, null);
    // Its run starts on a fresh stack (a promise's reactions never run at once): a long queue
    // of events that finish at once must not nest.
    next();
  }

  /**
   * Resolves once every event accepted so far is done.
   *
   * @example
   * await lanes.drain();
   */
  async drain(): Promise<void> {
    while (this.accepted > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }
}
