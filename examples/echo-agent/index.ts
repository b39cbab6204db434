// The echo agent: answers every message with itself. Run it with `npm run echo`,
// then chat with it from another terminal with `npm run chat`.
//
// Scale out: with QUEUE_URL (nats://…) it runs in queue mode, as `--role ingress` (the webhook),
// `--role worker` (runs the plugins) or `--role all` (both, the default), on stream QUEUE_STREAM
// (default RBMKIT); with REDIS_URL its dedupe and session stores are shared through Redis.
// See docs/operations.md.
//
// Business Messages: with BM_CLIENT_TOKEN set it also serves a BM webhook at /bm (the same
// plugins answer BM users), replying through BM_API_URL (default Google's address), in direct
// mode as in queue mode.
import { parseArgs } from 'node:util';
import { bmClientFromEnv, clientFromEnv, createBot, NatsQueue, RedisDedupeStore, RedisSessionStore, stopOnSignals } from 'rbmkit';
import { LOCAL_DEV_TOKEN } from 'rbmkit/advanced';
import { echo, logging } from 'rbmkit/plugins';

const { values } = parseArgs({ options: { role: { type: 'string', default: 'all' } } });
const role = values.role;
if (role !== 'all' && role !== 'ingress' && role !== 'worker') {
  console.error(`echo agent: unknown --role "${role}"; expected ingress, worker or all`);
  process.exit(2);
}
const queueUrl = process.env.QUEUE_URL || undefined;
if (queueUrl !== undefined && !queueUrl.startsWith('nats://')) {
  console.error(`echo agent: QUEUE_URL "${queueUrl}" is not supported; expected nats://host:port (NATS JetStream)`);
  process.exit(2);
}
if (queueUrl === undefined && role !== 'all') {
  console.error(`echo agent: --role ${role} needs QUEUE_URL (e.g. nats://127.0.0.1:4222)`);
  process.exit(2);
}
const redisUrl = process.env.REDIS_URL || undefined;
const bmToken = process.env.BM_CLIENT_TOKEN || undefined;

const ownToken = process.env.RBM_CLIENT_TOKEN || undefined;
const clientToken = ownToken ?? LOCAL_DEV_TOKEN;
const host = process.env.HOST || (ownToken === undefined ? '127.0.0.1' : '0.0.0.0');
const { client, description } = clientFromEnv();
const bm = bmToken === undefined ? undefined : bmClientFromEnv();

const bot = createBot({
  partner: { path: '/webhook', clientToken, plugins: [logging, echo] },
  client,
  ...(bm === undefined ? {} : { businessMessages: { path: '/bm', clientToken: { env: 'BM_CLIENT_TOKEN' }, client: bm.client } }),
  ...(queueUrl === undefined ? {} : { queue: new NatsQueue({ url: queueUrl, stream: process.env.QUEUE_STREAM || undefined }) }),
  ...(redisUrl === undefined ? {} : { dedupe: new RedisDedupeStore({ url: redisUrl }), sessions: new RedisSessionStore({ url: redisUrl }) }),
});

stopOnSignals(bot);
if (queueUrl !== undefined && role !== 'ingress') {
  await bot.work();
  bot.log.info(`echo agent worker consuming ${queueUrl}`);
}
if (role !== 'worker') {
  const { port } = await bot.listen(Number(process.env.PORT || 8080), host);
  bot.log.info(`echo agent listening on http://${host}:${port}/webhook${queueUrl === undefined ? '' : ` (queue mode: events go to ${queueUrl})`}`);
}
bot.log.info(description);
if (bm !== undefined) bot.log.info(`Business Messages webhook at /bm; ${bm.description}`);
if (ownToken === undefined) {
  bot.log.warn('RBM_CLIENT_TOKEN is not set: using the local development token, on loopback only');
}
