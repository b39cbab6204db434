// Micro benchmarks: dispatch overhead per plugin, keyword matching, verification, and
// start-up with 10,000 agents (in a fresh process, for a clean heap).
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { definePlugin, MemoryDedupeStore, MemoryRbmClient, MemorySessionStore } from 'rbmkit';
import { parseEvent, signData, signingKey, verifySignature } from 'rbmkit/advanced';
import { KeywordMatcher } from 'rbmkit/plugins';
import { payloads } from 'rbmkit/testing';
import { AgentRuntime } from '../core/dispatch/agent-runtime.js';
import { Dispatcher } from '../core/dispatch/dispatcher.js';
import { SharedDeadlines } from '../core/dispatch/deadline.js';
import { Telemetry } from '../core/ops/telemetry.js';

export interface MicroRow {
  readonly measure: string;
  readonly value: number;
  readonly unit: string;
  readonly target?: string;
  readonly met?: boolean;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** ns per call of `fn`, the median of `repeats` timed batches of `iterations`. */
async function timeNs(iterations: number, fn: (i: number) => unknown, repeats = 5): Promise<number> {
  const samples: number[] = [];
  for (let r = 0; r < repeats; r += 1) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < iterations; i += 1) {
      const result = fn(i);
      if (result instanceof Promise) await result;
    }
    samples.push(Number(process.hrtime.bigint() - started) / iterations);
  }
  return median(samples);
}

/** ns per delivered event for an agent with `plugins` no-op plugins, through the real dispatcher. */
async function dispatchNs(plugins: number, iterations: number): Promise<number> {
  const log = pino({ level: 'silent' });
  const client = new MemoryRbmClient({ keep: 0 });
  const uses = Array.from({ length: plugins }, (_, i) => definePlugin({ name: `noop${i}`, setup: (a) => void a.on('text', () => undefined) }).with({}));
  const runtime = new AgentRuntime('bench@rbm.goog', 'agent', uses, { client, log });
  const dispatcher = new Dispatcher({
    store: new MemoryDedupeStore({ max: 10_000 }),
    client,
    log,
    telemetry: new Telemetry(),
    handlerDeadlines: new SharedDeadlines(10),
    handlerTimeoutMs: 10_000,
    maxInFlight: 1_000,
    sessions: new MemorySessionStore(),
  });
  const delivery = { attributes: {}, webhook: '/webhook', receivedAt: 0 };
  const events = Array.from({ length: 20_000 }, (_, i) =>
    parseEvent(payloads.text({ text: 'x', messageId: randomUUID(), phone: `+1555${String(i % 100).padStart(7, '0')}`, agentId: 'bench@rbm.goog' }), delivery),
  );
  let n = 0;
  // Fresh ids every batch: a repeat would take the (cheaper) duplicate path.
  return timeNs(iterations, () => dispatcher.deliver(runtime, { ...events[n++ % events.length]!, id: `${n}` } as never));
}

export async function runMicro(): Promise<MicroRow[]> {
  const rows: MicroRow[] = [];

  const base = await dispatchNs(0, 20_000);
  for (const plugins of [1, 10, 100]) {
    const total = await dispatchNs(plugins, plugins === 100 ? 4_000 : 20_000);
    const perPlugin = (total - base) / plugins;
    rows.push({ measure: `dispatch, ${plugins} no-op plugin(s): ns per event per plugin (event alone: ${base.toFixed(0)} ns)`, value: perPlugin, unit: 'ns', target: '< 1000', met: perPlugin < 1000 });
  }

  const matchNs: number[] = [];
  for (const count of [10, 1_000, 10_000]) {
    const matcher = new KeywordMatcher(Array.from({ length: count }, (_, i) => ({ match: `item ${i} special` })));
    const messages = ['I would like item 5 special please', 'what are your opening hours today', 'ITEM 7 SPECIAL', 'thực đơn hôm nay là gì'];
    const ns = await timeNs(100_000, (i) => matcher.matchText(messages[i % messages.length]!));
    matchNs.push(ns);
    rows.push({ measure: `keyword match, ${count.toLocaleString('en')} word/phrase routes: ns per message`, value: ns, unit: 'ns' });
  }
  const ratio = matchNs[2]! / matchNs[0]!;
  rows.push({ measure: 'keyword match: 10,000 routes against 10', value: ratio, unit: 'x', target: '<= 1.5', met: ratio <= 1.5 });

  const key = [signingKey('BENCHTOKEN000001')];
  const data = Buffer.from(JSON.stringify(payloads.text({ text: 'Hello, world!' })));
  const signature = signData('BENCHTOKEN000001', data);
  rows.push({ measure: 'verification alone (HMAC-SHA512 + constant-time compare): ns per push', value: await timeNs(100_000, () => verifySignature(key, data, signature)), unit: 'ns' });

  const startup = spawnSync(process.execPath, ['--expose-gc', '--conditions=source', '--import', 'tsx', 'bench/micro-startup.ts'], { encoding: 'utf8' });
  if (startup.status !== 0) throw new Error(`micro-startup failed:\n${startup.stdout}${startup.stderr}`);
  const s = JSON.parse(startup.stdout.trim().split('\n').at(-1)!) as { startMs: number; heapMb: number; firstEventMs: number };
  rows.push({ measure: 'start-up with 10,000 configured agents, beyond an empty bot: ms', value: s.startMs, unit: 'ms', target: '< 200', met: s.startMs < 200 });
  rows.push({ measure: 'heap with 10,000 configured agents, beyond an empty bot: MB', value: s.heapMb, unit: 'MB', target: '< 20', met: s.heapMb < 20 });
  rows.push({ measure: 'first event to a cold agent (plugin setup included), over HTTP: ms', value: s.firstEventMs, unit: 'ms', target: '< 200', met: s.firstEventMs < 200 });
  return rows;
}
