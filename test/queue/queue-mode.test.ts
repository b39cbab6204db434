// Queue mode against the real broker (NATS JetStream on 127.0.0.1:4222) and Redis, with
// worker processes: order per conversation, exactly once per plugin, retries, dead letters,
// 503 when the broker cannot confirm, graceful shutdown.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { definePlugin } from 'rbmkit';
import { freePort, runTs } from '../helpers/processes.js';
import { AGENT, QueueRun, sendText } from './queue-kit.js';

describe('queue mode (NATS JetStream, worker processes)', function () {
  this.timeout(60_000);
  const run = new QueueRun();
  let url = '';

  before(async () => {
    ({ url } = await run.ingress(run.queue()));
  });
  after(() => run.cleanUp());

  it('answers 200 once the broker stored the event, and runs no plugin in ingress', async () => {
    const answer = await sendText(url, '+15550000001', '1');
    expect(answer.status).to.equal(200);
    expect(answer.body).to.deep.equal({ status: 'queued' });
    const jsm = await run.queues[0]!.manager();
    const info = await jsm.streams.info(run.stream);
    expect(info.state.messages).to.equal(1);
    expect(await run.list('started')).to.deep.equal([]);
  });

  it('two workers handle each conversation in arrival order, each plugin once', async () => {
    await run.worker();
    await run.worker();
    const phones = ['+15550000001', '+15550000002', '+15550000003', '+15550000004'];
    await Promise.all(
      phones.map(async (phone) => {
        for (let n = phone.endsWith('1') ? 2 : 1; n <= 12; n += 1) expect((await sendText(url, phone, String(n))).status).to.equal(200);
      }),
    );
    const done = await run.until(() => run.list('done'), (list) => list.length >= 48);
    expect(done).to.have.length(48);
    for (const phone of phones) {
      expect(await run.doneFor(phone)).to.deep.equal(Array.from({ length: 12 }, (_, i) => String(i + 1)));
    }
    expect(await run.list('second')).to.have.length(48);
    // Both workers took part.
    expect(new Set(done.map((entry) => entry.split('|')[2])).size).to.equal(2);
  });

  it('a worker SIGKILLed mid-event: the event is redelivered before anything behind it, and completed once', async () => {
    const phone = '+15550000010';
    const first = randomUUID();
    expect((await sendText(url, phone, 'slow:1', first)).status).to.equal(200);
    for (const text of ['2', '3']) expect((await sendText(url, phone, text)).status).to.equal(200);
    const started = await run.until(() => run.list('started'), (list) => list.some((entry) => entry.startsWith(`${phone}|1|`)));
    // The kill is meant to cut the slow plugin only: it waits until the store has recorded that
    // `second` (an observer, running beside the slow recorder) completed the event (its list
    // entry comes a round trip before that record).
    const secondDone = `${run.prefix}:dedupe:{${AGENT}|${phone}|${first}}:done`;
    await run.until(() => run.redis.sismember(secondDone, 'second#observe'), (member) => member === 1);
    const pid = Number(started.find((entry) => entry.startsWith(`${phone}|1|`))!.split('|')[2]);
    const victim = run.workers.find((worker) => worker.child.pid === pid)!;
    victim.child.kill('SIGKILL');
    await victim.exited();
    const done = await run.until(() => run.doneFor(phone), (list) => list.length >= 3);
    expect(done).to.deep.equal(['1', '2', '3']);
    // Started twice (the killed run and the redelivery), completed once; nothing behind it started before it.
    const starts = (await run.list('started')).filter((entry) => entry.startsWith(`${phone}|`)).map((entry) => entry.split('|')[1]);
    expect(starts).to.deep.equal(['1', '1', '2', '3']);
    expect((await run.list('second')).filter((entry) => entry.startsWith(`${phone}|`))).to.have.length(3);
    await run.worker();
  });

  it('a failed event is retried with back-off, its conversation waiting behind it; the plugin that succeeded is not rerun', async () => {
    const phone = '+15550000020';
    expect((await sendText(url, phone, 'fail2:1')).status).to.equal(200);
    expect((await sendText(url, phone, '2')).status).to.equal(200);
    const done = await run.until(() => run.doneFor(phone), (list) => list.length >= 2);
    expect(done).to.deep.equal(['1', '2']);
    const starts = (await run.list('started')).filter((entry) => entry.startsWith(`${phone}|`)).map((entry) => entry.split('|')[1]);
    expect(starts).to.deep.equal(['1', '1', '1', '2']);
    expect((await run.list('second')).filter((entry) => entry.startsWith(`${phone}|`))).to.deep.equal([`${phone}|fail2:1`, `${phone}|2`]);
  });

  it('after its last attempt an event goes to the dead-letter queue, and a replay completes it', async () => {
    const phone = '+15550000030';
    expect((await sendText(url, phone, 'failall:1')).status).to.equal(200);
    expect((await sendText(url, phone, '2')).status).to.equal(200);
    expect(await run.until(() => run.doneFor(phone), (list) => list.length >= 1)).to.deep.equal(['2']);
    const queue = run.queues[0]!;
    const letters = await queue.deadLetters.list();
    expect(letters).to.have.length(1);
    expect(letters[0]!.kind).to.equal('event');
    expect(letters[0]!.kind === 'event' && letters[0]!.record.data.text).to.equal('failall:1');
    expect(letters[0]!.reason).to.match(/recorder failed 3 attempts/);
    await run.redis.set(`${run.prefix}:heal:${phone}`, '1');
    expect(await queue.deadLetters.replay(letters[0]!.id)).to.equal(true);
    expect(await run.until(() => run.doneFor(phone), (list) => list.length >= 2)).to.deep.equal(['2', '1']);
    expect(await queue.deadLetters.list()).to.deep.equal([]);
  });

  it('rbmkit dlq lists, shows and replays dead letters', async () => {
    const phone = '+15550000035';
    expect((await sendText(url, phone, 'failall:7')).status).to.equal(200);
    const queue = run.queues[0]!;
    const [letter] = await run.until(() => queue.deadLetters.list(), (list) => list.length >= 1);
    const cli = async (...args: string[]) => {
      const process = runTs('core/cli/main.ts', ['dlq', ...args, '--stream', run.stream]);
      const code = await process.exited();
      return { code, output: process.output() };
    };
    const listed = await cli('list');
    expect(listed.code).to.equal(0);
    expect(listed.output).to.match(new RegExp(`^${letter!.id}\tqueue-test@rbm\.goog\t.+recorder failed 3 attempts`, 'm'));
    const shown = await cli('show', letter!.id);
    expect(shown.code).to.equal(0);
    expect(JSON.parse(shown.output).record.data.text).to.equal('failall:7');
    expect((await cli('show', '999999')).code).to.equal(1);
    expect((await cli('replay')).code).to.equal(2);
    await run.redis.set(`${run.prefix}:heal:${phone}`, '1');
    const replayed = await cli('replay', '--all');
    expect(replayed.code).to.equal(0);
    expect(replayed.output).to.include('1 replayed');
    expect(await run.until(() => run.doneFor(phone), (list) => list.length >= 1)).to.deep.equal(['7']);
    expect((await cli('list')).output).to.include('no dead letters');
  });

  it('a worker stopped with SIGTERM finishes the event in hand, then exits 0', async () => {
    const phone = '+15550000040';
    expect((await sendText(url, phone, 'slow:1')).status).to.equal(200);
    const started = await run.until(() => run.list('started'), (list) => list.some((entry) => entry.startsWith(`${phone}|1|`)));
    const pid = Number(started.find((entry) => entry.startsWith(`${phone}|1|`))!.split('|')[2]);
    const worker = run.workers.find((candidate) => candidate.child.pid === pid)!;
    worker.child.kill('SIGTERM');
    expect(await worker.exited()).to.equal(0);
    expect(await run.doneFor(phone)).to.deep.equal(['1']);
  });

  it('broker unreachable: 503 with Retry-After, nothing dispatched', async () => {
    let ran = 0;
    const counter = definePlugin({ name: 'counter', setup: (agent) => void agent.on('text', () => void (ran += 1)) });
    const { url: deadUrl } = await run.ingress(run.queue({ url: `nats://127.0.0.1:${await freePort()}` }), [counter]);
    const answer = await sendText(deadUrl, '+15550000050', '1');
    expect(answer.status).to.equal(503);
    expect(answer.headers.get('retry-after')).to.equal('10');
    expect((answer.body as { error: string }).error).to.equal('queue_unavailable');
    expect(ran).to.equal(0);
  });

  it('broker full: 503 queue_full with Retry-After', async () => {
    const full = run.queue({ stream: `${run.stream}F`, maxMessages: 2 });
    const { url: fullUrl } = await run.ingress(full);
    try {
      expect((await sendText(fullUrl, '+15550000060', '1')).status).to.equal(200);
      expect((await sendText(fullUrl, '+15550000060', '2')).status).to.equal(200);
      const answer = await sendText(fullUrl, '+15550000060', '3');
      expect(answer.status).to.equal(503);
      expect((answer.body as { error: string }).error).to.equal('queue_full');
      expect(answer.headers.get('retry-after')).to.equal('30');
    } finally {
      await full.destroy();
    }
  });
});
