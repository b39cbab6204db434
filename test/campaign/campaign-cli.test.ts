// `rbmkit campaign send` as a partner runs it: a real process on Redis against the fake RBM API,
// SIGKILLed mid-campaign and started again: no number gets the message twice, none is skipped.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { FakeRbmApi } from 'rbmkit/testing';
import { campaignMessageId } from '../../core/campaign/run-campaign.js';
import { runTs, type Running } from '../helpers/processes.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { removeTempDirs, tempDir } from '../package/packed.js';

const CLI = 'core/cli/main.ts';
const AGENT = 'shop@rbm.goog';
const COUNT = 10_000;

describe('rbmkit campaign (real processes, Redis, the fake RBM API)', function () {
  this.timeout(120_000);
  let redis: OwnRedis;
  let api: FakeRbmApi;
  let dir: string;
  let running: Running[] = [];

  before(async () => {
    redis = await OwnRedis.start();
  });
  after(async () => {
    await redis.stop();
    removeTempDirs();
  });
  beforeEach(async () => {
    api = await FakeRbmApi.start();
    dir = tempDir('rbmkit-campaign-');
  });
  afterEach(async () => {
    await Promise.all(running.map((process) => process.stop()));
    running = [];
    await api.close();
  });

  const phone = (i: number) => `+1555${String(i).padStart(7, '0')}`;
  const env = () => ({ REDIS_URL: redis.url, RBM_API_URL: api.url, LOG_LEVEL: 'warn', QUEUE_URL: '' });
  const start = (args: string[]) => {
    const process = runTs(CLI, ['campaign', ...args], env());
    running.push(process);
    return process;
  };

  function writeInputs(): { csv: string; message: string } {
    const csv = join(dir, 'numbers.csv');
    writeFileSync(csv, ['phone,name', ...Array.from({ length: COUNT }, (_, i) => `${phone(i)},n${i}`)].join('\n'));
    const message = join(dir, 'message.json');
    writeFileSync(message, JSON.stringify({ contentMessage: { text: 'Hello {{name}}' }, messageTrafficType: 'TRANSACTION' }));
    for (let i = 0; i < COUNT; i += 10) api.unreachable.add(phone(i));
    return { csv, message };
  }

  it('SIGKILLed after 3,000 sends and run again: 9,000 RBM numbers get one message each, 1,000 listed unreachable', async () => {
    const { csv, message } = writeInputs();
    const args = ['send', '--agent', AGENT, '--recipients', csv, '--message', message, '--id', 'kill-test', '--concurrency', '8'];
    const first = start([...args, '--report', join(dir, 'first.csv')]);
    const end = Date.now() + 60_000;
    while (api.messages.length < 3_000) {
      if (Date.now() > end || first.child.exitCode !== null) throw new Error(`expected 3,000 sends before the kill, got ${api.messages.length}:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    first.child.kill('SIGKILL');
    await first.exited();
    const beforeKill = { recorded: api.messages.length };

    const second = start([...args, '--report', join(dir, 'report.csv')]);
    expect(await second.exited(), second.output()).to.equal(0);
    const resent = sendsAnswered200(api) - api.messages.length;
    console.log(`      kill at ${beforeKill.recorded} sends; after the second run: ${api.messages.length} recorded, ${resent} resent copies dropped by messageId`);

    expect(api.messages).to.have.length(9_000);
    expect(new Set(api.messages.map((m) => m.phone)).size).to.equal(9_000);
    expect(api.messages.every((m) => m.messageId === campaignMessageId(AGENT, 'kill-test', m.phone))).to.equal(true);
    expect(api.messages.some((m) => api.unreachable.has(m.phone))).to.equal(false);
    // Only the sends in flight at the kill can be sent again, and Google drops those copies.
    expect(resent).to.be.at.most(8);

    const report = parse(readFileSync(join(dir, 'report.csv'), 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(report).to.have.length(COUNT);
    const outcomes = report.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.outcome!]: (counts[row.outcome!] ?? 0) + 1 }), {});
    expect(outcomes).to.deep.equal({ sent: 9_000, unreachable: 1_000 });
    // Not a terminal here: one JSON line per progress report, the last one done.
    const lines = second.output().split('\n').filter((line) => line.startsWith('{"campaignId"'));
    expect(JSON.parse(lines.at(-1)!)).to.deep.include({ state: 'done', total: COUNT, sent: 9_000, unreachable: 1_000, remaining: 0 });
  });

  it('refuses to send without REDIS_URL, where the opt-outs are, unless told to', async () => {
    const { csv, message } = writeInputs();
    const refused = runTs(CLI, ['campaign', 'send', '--agent', AGENT, '--recipients', csv, '--message', message], { RBM_API_URL: api.url, REDIS_URL: '', QUEUE_URL: '' });
    running.push(refused);
    expect(await refused.exited()).to.equal(2);
    expect(refused.output()).to.include('expected REDIS_URL, the Redis where the bot keeps its opt-outs');
    expect(api.messages).to.have.length(0);
    const pauseUnknown = start(['pause', '--agent', AGENT, '--id', 'no-such-campaign']);
    expect(await pauseUnknown.exited()).to.equal(1);
    expect(pauseUnknown.output()).to.include('no campaign "no-such-campaign" of shop@rbm.goog in the store');
  });

  it('pauses and resumes a running campaign from another process, through Redis', async () => {
    const { csv, message } = writeInputs();
    const sender = start(['send', '--agent', AGENT, '--recipients', csv, '--message', message, '--id', 'pause-test']);
    await sender.waitFor(/"state":"sending"/, 30_000);
    const pause = start(['pause', '--agent', AGENT, '--id', 'pause-test']);
    expect(await pause.exited(), pause.output()).to.equal(0);
    await sender.waitFor(/"state":"paused"/, 10_000);
    const held = api.messages.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(api.messages.length).to.equal(held);
    expect(held).to.be.below(9_000);
    const resume = start(['resume', '--agent', AGENT, '--id', 'pause-test']);
    expect(await resume.exited(), resume.output()).to.equal(0);
    expect(await sender.exited(), sender.output()).to.equal(0);
    expect(api.messages).to.have.length(9_000);
  });
});

/** Sends the fake answered 200, a copy under a messageId it had seen included (Google drops those silently). */
function sendsAnswered200(api: FakeRbmApi): number {
  return api.requests.filter((request) => request.method === 'POST' && request.path.endsWith('/agentMessages') && request.status === 200).length;
}
