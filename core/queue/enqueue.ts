import type { Logger } from 'pino';
import { dedupeKey } from '../dispatch/dedupe-key.js';
import { HttpError } from '../errors.js';
import type { RbmEvent } from '../events/event-types.js';
import type { Telemetry } from '../ops/telemetry.js';
import { QueueFullError, type Queue } from './queue.js';
import { conversationKey, toQueueRecord } from './queue-record.js';

/**
 * What ingress calls in queue mode, instead of dispatching: resolves once the broker confirmed.
 * `data` is what the event was parsed from: RBM's decoded `message.data`, or a Business
 * Messages event's verified body.
 */
export type Enqueue = (event: RbmEvent, data: Readonly<Record<string, unknown>>) => Promise<void>;

/**
 * Ingress's side of queue mode: publishes each verified event (RBM or Business Messages) to its
 * conversation's partition and resolves once the broker confirmed the write. A write not confirmed (broker unreachable,
 * full, too slow) becomes a 503 with Retry-After: Google redelivers, nothing was dispatched.
 *
 * @example
 * const enqueue = enqueuer(queue, telemetry, log);
 * await enqueue(event, data); // then answer 200
 */
export function enqueuer(queue: Queue, telemetry: Telemetry, log: Logger): Enqueue {
  return async (event, data) => {
    const started = performance.now();
    try {
      await queue.publish(toQueueRecord(event, data), conversationKey(event), dedupeKey(event)?.replaceAll('\u0000', '|'));
    } catch (error) {
      const full = error instanceof QueueFullError;
      log.error({ err: error, agentId: event.agentId }, full ? 'the queue is full: answering 503' : 'the queue did not confirm the write: answering 503');
      const message = `${(error as Error).message}; expected a redelivery once the queue accepts writes`;
      throw new HttpError(503, full ? 'queue_full' : 'queue_unavailable', message, { 'Retry-After': full ? '30' : '10' });
    }
    telemetry.queue('enqueue', (performance.now() - started) / 1000);
  };
}
