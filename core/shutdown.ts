import type { Logger } from 'pino';
import type { AgentRegistry } from './dispatch/agent-registry.js';
import { TIMED_OUT, withinDeadline } from './dispatch/deadline.js';
import type { Dispatcher } from './dispatch/dispatcher.js';
import type { Queue } from './queue/queue.js';
import type { QueueWorker } from './queue/queue-worker.js';
import { closeStores, type BotStores } from './stores/bot-stores.js';
import type { WebhookServer } from './webhook/http-server.js';

/** The parts of a bot that `close()` stops, in the order they stop. */
export interface ShutdownParts {
  readonly worker: QueueWorker | undefined;
  readonly server: WebhookServer;
  readonly dispatcher: Dispatcher;
  readonly queue: Queue | undefined;
  readonly registry: AgentRegistry;
  readonly stores: BotStores;
  readonly log: Logger;
  /** How long running handlers may take to finish. */
  readonly deadlineMs: number;
}

/**
 * Stops a bot in order: the worker finishes (or gives back) the event in hand and takes no
 * more; the server stops accepting and answers what it holds while handlers finish, up to the
 * deadline; then the queue, the plugins (teardowns) and the stores close.
 *
 * @example
 * await shutDown({ worker, server, dispatcher, queue, registry, stores, log, deadlineMs: 25_000 });
 */
export async function shutDown(parts: ShutdownParts): Promise<void> {
  const { dispatcher, log, deadlineMs } = parts;
  await parts.worker?.stop();
  await parts.server.close(async () => {
    if ((await withinDeadline(dispatcher.drain(), deadlineMs)) === TIMED_OUT) {
      log.warn({ unfinished: dispatcher.inFlightCount }, `handlers still running after ${deadlineMs} ms; shutting down anyway`);
    }
  });
  // Every confirm in flight was awaited by its request above.
  await parts.queue?.close().catch((error: unknown) => log.warn({ err: error }, 'closing the queue failed'));
  await parts.registry.close();
  await closeStores(parts.stores, log);
}
