// rbmkit's echo agent in queue mode (logging + echo, in-memory client, log level warn), on
// stream QUEUE_STREAM at QUEUE_URL. ROLE=ingress (default) serves the webhook and publishes;
// ROLE=worker consumes and runs the plugins, with the Redis dedupe store under KEY_PREFIX
// (several workers share it, as in production), and announces port 0. ROLE=direct is the same
// agent in direct mode with that same Redis dedupe store (no queue): what a worker's CPU per
// event compares with when both sides keep their dedupe records in Redis.
import { createBot, MemoryRbmClient, NatsQueue, RedisDedupeStore } from 'rbmkit';
import { echo, logging } from 'rbmkit/plugins';
import { announce, TOKEN } from './verify.js';

const role = process.env.ROLE ?? 'ingress';
const bot = createBot({
  logger: { level: 'warn' },
  partner: { path: '/webhook', clientToken: TOKEN, plugins: [logging, echo] },
  client: new MemoryRbmClient({ keep: 1_000 }),
  ...(role === 'direct' ? {} : { queue: new NatsQueue({ url: process.env.QUEUE_URL, stream: process.env.QUEUE_STREAM, pullExpiresMs: 1_000 }) }),
  ...(role === 'ingress'
    ? {}
    : { dedupe: new RedisDedupeStore({ url: process.env.REDIS_URL, prefix: `${process.env.KEY_PREFIX}:dedupe:`, allowVolatile: true, logger: { warn: () => undefined } }) }),
});
if (role === 'worker') {
  await bot.work();
  announce(0);
} else {
  const { port } = await bot.listen(0, '127.0.0.1');
  announce(port);
}
