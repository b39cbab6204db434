// Start-up cost of 10,000 configured agents beyond an empty bot, and the first event to a
// cold agent. Run with --expose-gc; prints one JSON line.
import { createBot, type AgentConfig } from 'rbmkit';
import { echo, keywords, logging } from 'rbmkit/plugins';
import { payloads, post, signedPush } from 'rbmkit/testing';

const gc = (globalThis as { gc?: () => void }).gc!;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};
const menu = keywords.with({ routes: [{ match: 'menu', reply: 'Pho' }] });

// Warm the code paths once, so the measure is the agents, not module loading.
createBot({ logger: false, partner: { clientToken: 'WARM' }, agents: { 'warm@rbm.goog': { plugins: [logging, echo] } } });

const heapEmpty = heap();
let started = performance.now();
const empty = createBot({ logger: false, partner: { clientToken: 'T', plugins: [logging, echo] } });
const emptyMs = performance.now() - started;
const heapAfterEmpty = heap();

const agents: Record<string, AgentConfig> = {};
for (let i = 0; i < 10_000; i += 1) agents[`agent${i}@rbm.goog`] = { plugins: i % 2 === 0 ? [logging, echo] : [logging, menu] };
const heapBefore = heap();
started = performance.now();
const bot = createBot({ logger: false, partner: { clientToken: 'T', plugins: [logging, echo] }, agents });
const fullMs = performance.now() - started;
const heapAfter = heap();

const { url } = await bot.listen(0, '127.0.0.1');
const push = signedPush(payloads.text({ text: 'menu', agentId: 'agent4321@rbm.goog' }), { token: 'T' });
started = performance.now();
const answer = await post(`${url}/webhook`, push);
const firstEventMs = performance.now() - started;
if (answer.status !== 200) throw new Error(`first event answered ${answer.status}`);
await bot.close();
await empty.close();

console.log(JSON.stringify({ startMs: fullMs - emptyMs, heapMb: (heapAfter - heapBefore - (heapAfterEmpty - heapEmpty)) / 1024 / 1024, firstEventMs }));
