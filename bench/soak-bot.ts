// The bot under soak: three plugins that record each completion, one of which throws at
// random and one of which replies through the real HTTP client to a flaky fake API.
// Completions go to LEDGER_FILE as lines, so the ledger costs the bot no memory. Every second
// it reports its memory after a forced GC (run with --expose-gc). On SIGTERM it shuts down
// cleanly and writes its counters as the ledger's last line.
import { createWriteStream } from 'node:fs';
import { createBot, definePlugin, HttpRbmClient, MemoryDedupeStore, noAuth, type Plugin } from 'rbmkit';

const ledger = createWriteStream(process.env.LEDGER_FILE!);

const counting = (name: string, work: (text: string, reply: (t: string) => Promise<unknown>) => Promise<void> | void): Plugin =>
  definePlugin({
    name,
    setup(agent) {
      agent.on('text', async (event, ctx) => {
        await work(event.text, (t) => ctx.reply(t));
        ledger.write(`${name} ${event.id}\n`);
      });
    },
  });

const bot = createBot({
  logger: { level: 'fatal' },
  partner: {
    clientToken: 'SOAKTOKEN',
    plugins: [
      counting('ledger', () => undefined),
      counting('flaky', () => {
        if (Math.random() < Number(process.env.THROW_RATE ?? 0.05)) throw new Error('random failure');
      }),
      counting('replier', async (text, reply) => void (await reply(`echo ${text}`))),
    ],
  },
  // Bounded by count: about two minutes of events at the soak's rate, far more than a redelivery needs.
  dedupe: new MemoryDedupeStore({ max: 20_000 }),
  client: new HttpRbmClient({ baseUrl: process.env.RBM_API_URL!, auth: noAuth(), backoff: { baseMs: 10, maxMs: 100 } }),
  ackDeadlineMs: 5_000,
});

await bot.listen(Number(process.env.PORT), '127.0.0.1');
const report = () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ rss, heap: heapUsed })}\n`);
};
const timer = setInterval(report, 1_000);
report();

process.once('SIGTERM', async () => {
  clearInterval(timer);
  await bot.close();
  ledger.end(`stats ${JSON.stringify(bot.stats())}\n`, () => process.exit(0));
});
