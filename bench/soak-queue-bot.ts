// One process of the queue-mode soak: ROLE=ingress serves the webhook on PORT and publishes to
// NATS; ROLE=worker runs the plugins. Two plugins reply to every text; the replies go to a client
// that behaves as Google does with ids (a reused messageId is silently ignored), recording each
// reply that got through in the Redis list <KEY_PREFIX>:done as `plugin phone seq pid` and
// counting ignored reruns in <KEY_PREFIX>:ignored. So the soak checks what rbmkit promises
// across processes it SIGKILLs: order, nothing lost, and each plugin's reply reaching the user
// once (a rerun reuses its reply ids). The ack wait and dedupe lease are rbmkit's defaults
// unless ACK_WAIT_MS / LEASE_MS say otherwise. Prints `ready <pid>` once it serves or consumes.
import { Redis } from 'ioredis';
import { createBot, definePlugin, NatsQueue, RedisDedupeStore, stopOnSignals, type Plugin, type RbmClient } from 'rbmkit';

const prefix = process.env.KEY_PREFIX!;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
const workMs = Number(process.env.WORK_MS ?? 2);

// Google's rule for ids, atomically: the first send of an id is delivered, a repeat is ignored.
const DELIVER_ONCE = `if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[2], ARGV[2]) return 1 end
redis.call('INCR', KEYS[3]) return 0`;

const unused = () => Promise.reject(new Error('not used by the soak'));
const googleLike: RbmClient = {
  async sendMessage({ phone, message, messageId }) {
    const id = messageId!;
    await redis.eval(DELIVER_ONCE, 3, `${prefix}:ids`, `${prefix}:done`, `${prefix}:ignored`, id, `${message.contentMessage.text} ${process.pid} ${Date.now()}`);
    void phone;
    return { messageId: id };
  },
  sendEvent: async ({ eventId }) => ({ eventId: eventId ?? '' }),
  revokeMessage: unused,
  getCapabilities: unused,
  batchGetCapabilities: unused,
  uploadFile: unused,
};

const replying = (name: string): Plugin =>
  definePlugin({
    name,
    setup(agent) {
      agent.on('text', async (event, ctx) => {
        // A little work, so a kill sometimes lands inside a handler.
        await new Promise((resolve) => setTimeout(resolve, Math.random() * workMs));
        await ctx.reply(`${name} ${event.phone} ${event.text}`);
      });
    },
  });

const bot = createBot({
  logger: { level: process.env.LOG_LEVEL ?? 'fatal' },
  partner: { clientToken: 'SOAKTOKEN', plugins: [replying('ledger'), replying('second')] },
  client: googleLike,
  dedupe: new RedisDedupeStore({ url: redisUrl, prefix: `${prefix}:dedupe:`, ...(process.env.LEASE_MS ? { leaseMs: Number(process.env.LEASE_MS) } : {}), allowVolatile: true, logger: { warn: () => undefined } }),
  queue: new NatsQueue({ url: process.env.QUEUE_URL, stream: process.env.QUEUE_STREAM, ...(process.env.ACK_WAIT_MS ? { ackWaitMs: Number(process.env.ACK_WAIT_MS) } : {}), pullExpiresMs: 1_000 }),
  queueRetry: { attempts: 10, backoffMs: 100, maxBackoffMs: 1_000 },
  handlerTimeoutMs: 1_000,
  shutdownTimeoutMs: 5_000,
});
stopOnSignals(bot);
if (process.env.ROLE === 'worker') await bot.work();
else await bot.listen(Number(process.env.PORT), '127.0.0.1');
console.log(`ready ${process.pid}`);
