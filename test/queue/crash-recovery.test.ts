// Crash recovery in queue mode with the defaults a user gets (no leaseMs, no ackWaitMs set):
// a worker SIGKILLed or frozen (SIGSTOP) mid-event hands its event to another worker within
// the broker's ack wait (3 s), not after a minute of waiting out its lease; each plugin still
// completes once, the conversation keeps its order, and a frozen worker that wakes sends
// nothing more for an event another worker took over.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { FakeRbmApi } from 'rbmkit/testing';
import { AGENT, QueueRun, sendText } from './queue-kit.js';

describe('queue mode: crash recovery with the default lease and ack wait', function () {
  this.timeout(60_000);
  const run = new QueueRun();
  let url = '';
  let api: FakeRbmApi;
  const worker = () => run.worker({ DEFAULTS: '1', SLOW_MS: '1500', RBM_API_URL: api.url });

  before(async () => {
    api = await FakeRbmApi.start();
    ({ url } = await run.ingress(run.queue({ ackWaitMs: undefined })));
    await worker();
    await worker();
  });
  after(async () => {
    await run.cleanUp();
    await api.close();
  });

  /**
   * Waits until the store recorded that the `second` observer completed event `messageId`: the
   * kill or freeze is meant to cut the slow recorder only.
   */
  async function secondRecorded(phone: string, messageId: string) {
    const doneKey = `${run.prefix}:dedupe:{${AGENT}|${phone}|${messageId}}:done`;
    await run.until(() => run.redis.sismember(doneKey, 'second#observe'), (member) => member === 1);
  }

  /** The worker (by pid) that started event `n` of `phone` first. */
  async function holderOf(phone: string, n: string) {
    const started = await run.until(() => run.list('started'), (list) => list.some((entry) => entry.startsWith(`${phone}|${n}|`)));
    const pid = Number(started.find((entry) => entry.startsWith(`${phone}|${n}|`))!.split('|')[2]);
    return run.workers.find((w) => w.child.pid === pid)!;
  }

  it('a SIGKILLed worker: its event is completed by the other worker within seconds, once, before what follows it', async () => {
    const phone = '+15550001001';
    const first = randomUUID();
    expect((await sendText(url, phone, 'slow:1', first)).status).to.equal(200);
    expect((await sendText(url, phone, '2')).status).to.equal(200);
    const victim = await holderOf(phone, '1');
    await secondRecorded(phone, first);
    victim.child.kill('SIGKILL');
    await victim.exited();
    const killedAt = Date.now();
    // The old defaults (30 s ack wait, then a 60 s lease) could not finish inside this wait.
    const done = await run.until(() => run.doneFor(phone), (list) => list.length >= 2, 15_000);
    const recoveredMs = Date.now() - killedAt;
    expect(done).to.deep.equal(['1', '2']);
    const starts = (await run.list('started')).filter((entry) => entry.startsWith(`${phone}|`)).map((entry) => entry.split('|')[1]);
    expect(starts).to.deep.equal(['1', '1', '2']);
    expect((await run.list('second')).filter((entry) => entry.startsWith(`${phone}|`))).to.have.length(2);
    console.log(`      (recovered ${recoveredMs} ms after the kill)`);
    await worker();
  });

  it('a worker frozen past its hold and woken: the other worker replies once, the woken one sends and records nothing', async () => {
    const phone = '+15550001002';
    const first = randomUUID();
    expect((await sendText(url, phone, 'reply:1', first)).status).to.equal(200);
    expect((await sendText(url, phone, 'reply:2')).status).to.equal(200);
    const frozen = await holderOf(phone, '1');
    await secondRecorded(phone, first);
    frozen.child.kill('SIGSTOP');
    try {
      const done = await run.until(() => run.doneFor(phone), (list) => list.length >= 2, 20_000);
      expect(done).to.deep.equal(['1', '2']);
    } finally {
      frozen.child.kill('SIGCONT');
    }
    // Woken, its handler's timer fires at once and tries its reply: refused before it is sent.
    await frozen.waitFor(/lost the record to another worker/, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const replies = api.requests.filter((request) => request.path === `/v1/phones/${encodeURIComponent(phone)}/agentMessages` || request.path === `/v1/phones/${phone}/agentMessages`);
    expect(replies.map((request) => (request.body as { contentMessage: { text: string } }).contentMessage.text)).to.deep.equal(['done 1', 'done 2']);
    expect(await run.doneFor(phone)).to.deep.equal(['1', '2']);
    expect((await run.list('second')).filter((entry) => entry.startsWith(`${phone}|`))).to.have.length(2);
    expect(frozen.output()).to.include('taken over by another worker');
  });
});

describe('queue mode: the attempts of a retrying event survive a worker crash', function () {
  this.timeout(60_000);
  const run = new QueueRun();
  let url = '';

  before(async () => {
    ({ url } = await run.ingress(run.queue({ ackWaitMs: undefined })));
    for (let i = 0; i < 2; i += 1) await run.worker({ DEFAULTS: '1', ATTEMPTS: '3', BACKOFF_MS: '2000' });
  });
  after(() => run.cleanUp());

  it('a worker killed in its back-off after attempt 1: the other makes attempts 2 and 3, then dead-letters it', async () => {
    const phone = '+15550001101';
    expect((await sendText(url, phone, 'failall:1')).status).to.equal(200);
    const started = await run.until(() => run.list('started'), (list) => list.some((entry) => entry.startsWith(`${phone}|`)));
    const pid = Number(started.find((entry) => entry.startsWith(`${phone}|`))!.split('|')[2]);
    const victim = run.workers.find((w) => w.child.pid === pid)!;
    victim.child.kill('SIGKILL');
    await victim.exited();
    const letters = await run.until(() => run.queues[0]!.deadLetters.list(), (list) => list.length >= 1, 30_000);
    expect(letters).to.have.length(1);
    expect(letters[0]!.reason).to.include('failed 3 attempts');
    // Three attempts in all across both workers: the survivor did not start counting anew.
    const attempts = (await run.list('started')).filter((entry) => entry.startsWith(`${phone}|`));
    expect(attempts).to.have.length(3);
    expect(new Set(attempts.map((entry) => entry.split('|')[2])).size).to.equal(2);
  });
});
