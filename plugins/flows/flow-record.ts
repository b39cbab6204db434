/**
 * Where a conversation stands in a flow, as stored in the session store (JSON). Explicit: the
 * flow's name, the step waiting for an answer and the answers so far, never handler code to
 * replay, so any process can go on from it.
 */
export interface FlowRecord {
  readonly v: 1;
  readonly flow: string;
  /** The key of the step waiting for its answer. */
  readonly step: string;
  readonly values: Readonly<Record<string, unknown>>;
  /** When the step asked (ms since the epoch). */
  readonly askedAt: number;
  /** Past this, the answer is too late: the flow has ended. */
  readonly expiresAt: number;
  /** Refused answers in a row at this step. */
  readonly retries: number;
  /** The id of the event that moved the flow last: its redelivery moves nothing. */
  readonly lastEventId: string | undefined;
  /** Set while a step is asked again by another's `next`: the step to go back to once it is answered. */
  readonly returnTo?: string | undefined;
}

/** How many of the latest events that moved a conversation's flows are remembered: their redeliveries move nothing. */
export const RECENT_EVENTS = 16;

/**
 * The ids of the latest events a stored value (an open flow's record, or what an ended flow
 * leaves) says moved this conversation, newest last.
 *
 * @example
 * recentEvents(await ctx.session.get()).includes(event.id); // a redelivery
 */
export function recentEvents(value: unknown): readonly string[] {
  if (typeof value !== 'object' || value === null) return [];
  const { recent, lastEventId } = value as { recent?: unknown; lastEventId?: unknown };
  const ids = Array.isArray(recent) ? recent.filter((id): id is string => typeof id === 'string') : [];
  return typeof lastEventId === 'string' && !ids.includes(lastEventId) ? [...ids, lastEventId] : ids;
}

/**
 * `recent` with `eventId` added last, at most {@link RECENT_EVENTS} kept.
 *
 * @example
 * withRecent(['a', 'b'], 'c'); // ['a', 'b', 'c']
 */
export function withRecent(recent: readonly string[], eventId: string): string[] {
  return [...recent.filter((id) => id !== eventId), eventId].slice(-RECENT_EVENTS);
}

/**
 * A stored value as a flow record, or undefined when it is none (nothing stored, or a shape
 * this version does not know: the conversation then starts afresh rather than failing).
 *
 * @example
 * const record = toFlowRecord(await ctx.session.get());
 */
export function toFlowRecord(value: unknown): FlowRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Partial<FlowRecord>;
  if (record.v !== 1 || typeof record.flow !== 'string' || typeof record.step !== 'string') return undefined;
  if (typeof record.values !== 'object' || record.values === null || typeof record.expiresAt !== 'number') return undefined;
  return {
    v: 1,
    flow: record.flow,
    step: record.step,
    values: record.values,
    askedAt: typeof record.askedAt === 'number' ? record.askedAt : 0,
    expiresAt: record.expiresAt,
    retries: typeof record.retries === 'number' ? record.retries : 0,
    lastEventId: typeof record.lastEventId === 'string' ? record.lastEventId : undefined,
    ...(typeof record.returnTo === 'string' ? { returnTo: record.returnTo } : {}),
  };
}
