import type { SessionStore } from '../stores/session-store.js';

/** Long enough to mean "until they opt in again": 10 years. */
const OPT_OUT_TTL_MS = 10 * 365 * 24 * 3_600_000;

/** One agent's opt-outs: the numbers that said STOP (or unsubscribed) and not START since. */
export interface AgentOptOuts {
  /**
   * Records that `phone` opted out of this agent's messages.
   *
   * @example
   * agent.optOuts.add(event.phone);
   */
  add(phone: string): Promise<void>;
  /** Records that `phone` opted in again. */
  remove(phone: string): Promise<void>;
  /** True when `phone` opted out and not back in. */
  has(phone: string): Promise<boolean>;
}

/**
 * The opt-out list of every agent of a bot, kept in its session store (Redis in production), so
 * the webhook that hears STOP and a campaign in another process read the same list.
 *
 * @example
 * const optOuts = new OptOutList(new MemorySessionStore());
 * await optOuts.forAgent('shop@rbm.goog').add('+15555550100');
 */
export class OptOutList {
  constructor(private readonly store: SessionStore) {}

  /** The opt-outs of one agent. */
  forAgent(agentId: string): AgentOptOuts {
    const key = (phone: string) => `rbmkit:optout:${agentId}:${phone}`;
    return {
      add: (phone) => this.store.set(key(phone), { at: new Date().toISOString() }, OPT_OUT_TTL_MS),
      remove: (phone) => this.store.delete(key(phone)),
      has: async (phone) => (await this.store.get(key(phone))) !== undefined,
    };
  }
}
