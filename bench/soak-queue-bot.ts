// One process of the queue-mode soak: ROLE=ingress serves the webhook on PORT and publishes to
// NATS; ROLE=worker runs the plugins. Two plugins record each completion in the Redis list
// <KEY_PREFIX>:done as `plugin phone seq pid`, so the soak can check order and exactly-once
// across processes it SIGKILLs. Short ack wait and dedupe lease (2 s): a killed worker's event
// comes back quickly. Prints `ready <pid>` once it serves or consumes.
import { Redis } from 'ioredis';
import { createBot, definePlugin, NatsQueue, RedisDedupeStore, stopOnSignals, type Plugin } from 'rbmkit';

const prefix = process.env.KEY_PREFIX!;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
const workMs = Number(process.env.WORK_MS ?? 2);

const recording = (name: string): Plugin =>
  definePlugin({
    name,
    setup(agent) {
      agent.on('text', async (event) => {
        // A little work, so a kill sometimes lands inside a handler.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * workMs));
        await redis.rpush(`${prefix}:done`, `${name} ${event.phone} ${event.text} ${process.pid}`);
      });
    },
  });

const bot = createBot({
  logger: { level: process.env.LOG_LEVEL ?? 'fatal' },
  partner: { clientToken: 'SOAKTOKEN', plugins: [recording('ledger'), recording('second')] },
  dedupe: new RedisDedupeStore({ url: redisUrl, prefix: `${prefix}:dedupe:`, leaseMs: 2_000, allowVolatile: true, logger: { warn: () => undefined } }),
  queue: new NatsQueue({ url: process.env.QUEUE_URL, stream: process.env.QUEUE_STREAM, ackWaitMs: 2_000, pullExpiresMs: 1_000 }),
  queueRetry: { attempts: 10, backoffMs: 100, maxBackoffMs: 1_000 },
  handlerTimeoutMs: 1_000,
  shutdownTimeoutMs: 5_000,
});
stopOnSignals(bot);
if (process.env.ROLE === 'worker') await bot.work();
else await bot.listen(Number(process.env.PORT), '127.0.0.1');
console.log(`ready ${process.pid}`);
