// `npm run bench:campaign [-- --recipients 3000 --rates 100,300,1000]`: a campaign against the
// fake RBM API on loopback, in this process, once per send pacing limit (sends a second per
// agent, the client's `rateLimits.messages`) and once unpaced. Reports the sends a second
// achieved over the send phase against the limit. The client's token bucket promises at most
// `calls` in ANY window of `perMs`: a tenth of them may go at once (the burst), so it refills
// at 90% of the limit and that is the sustained ceiling; rbmkit's own cost must keep it
// reachable. Bounded: at most 20,000 recipients per run.
import { parseArgs } from 'node:util';
import { createBot, HttpRbmClient, noAuth, type RateLimits, type Recipient } from 'rbmkit';
import { FakeRbmApi } from 'rbmkit/testing';

const { values } = parseArgs({ options: { recipients: { type: 'string', default: '3000' }, rates: { type: 'string', default: '100,300,1000' } } });
const COUNT = Math.min(20_000, Math.max(100, Number(values.recipients)));
const RATES = values.rates.split(',').map(Number).filter((rate) => rate > 0);

const recipients: Recipient[] = Array.from({ length: COUNT }, (_, i) => ({ phone: `+1555${String(i).padStart(7, '0')}`, vars: { name: `n${i}` } }));
const message = { contentMessage: { text: 'Hello {{name}}, your order has shipped' }, messageTrafficType: 'TRANSACTION' } as const;

async function run(rate: number | undefined): Promise<{ sent: number; seconds: number }> {
  const api = await FakeRbmApi.start({ record: false, batchGetQuota: false });
  const rateLimits: RateLimits = rate === undefined ? { batchGet: false } : { batchGet: false, messages: { calls: rate, perMs: 1_000 }, maxWaitMs: 600_000 };
  const bot = createBot({ logger: false, metrics: false, partner: { clientToken: 'BENCHTOKEN', plugins: [] }, client: new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), rateLimits }) });
  try {
    // The same concurrency for every run: enough in flight for the fastest limit.
    const campaign = bot.campaign({ id: `bench-${rate ?? 'unpaced'}-${Date.now()}`, agentId: 'bench@rbm.goog', recipients, message, concurrency: 32, capabilityChunk: 10_000 });
    let first: number | undefined;
    campaign.on('recipient', () => (first ??= performance.now()));
    const report = await campaign.done;
    return { sent: report.progress.sent, seconds: (performance.now() - first!) / 1000 };
  } finally {
    await bot.close();
    await api.close();
  }
}

const rows: string[] = [];
for (const rate of [...RATES, undefined]) {
  const { sent, seconds } = await run(rate);
  const achieved = sent / seconds;
  // The bucket's sustained rate: calls less the burst (a tenth), per window.
  const ceiling = rate === undefined ? undefined : rate - Math.max(1, Math.floor(rate / 10));
  rows.push(`| ${rate ?? 'none'} | ${ceiling ?? '-'} | ${sent} | ${seconds.toFixed(2)} | ${achieved.toFixed(0)} | ${rate === undefined ? '-' : (achieved / rate).toFixed(2)} | ${ceiling === undefined ? '-' : (achieved / ceiling).toFixed(2)} |`);
}
console.log(`campaign of ${COUNT} recipients against the fake RBM API on loopback, concurrency 32, Node ${process.version}\n`);
console.log('| pacing limit (sends/s) | sustained ceiling | sent | seconds | sends/s achieved | achieved / limit | achieved / ceiling |');
console.log('|---|---|---|---|---|---|---|');
for (const row of rows) console.log(row);
