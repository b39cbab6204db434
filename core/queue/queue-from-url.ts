import { NatsQueue, type NatsQueueOptions } from './nats-queue.js';

/**
 * The queue a URL names: `nats://host:port` gives a {@link NatsQueue} (JetStream). Throws for
 * anything else, naming what is supported.
 *
 * @example
 * const queue = queueFromUrl(process.env.QUEUE_URL!, { stream: 'RBMKIT' });
 */
export function queueFromUrl(url: string, options: Omit<NatsQueueOptions, 'url'> = {}): NatsQueue {
  if (/^nats:\/\//.test(url)) return new NatsQueue({ ...options, url });
  throw new Error(`unsupported queue URL "${url}"; expected nats://host:port (NATS JetStream; RabbitMQ is not supported yet, see docs/operations.md)`);
}
