// Queue mode, undeliverablePolicy 'deadLetter': a verified push whose data cannot be used is
// kept in the broker's dead-letter stream (NATS JetStream on 127.0.0.1:4222), readable with
// `rbmkit dlq list|show`, refused by `rbmkit dlq replay`; 503 when the broker cannot keep it.
// Also: a broker message no worker could read is listed, and refused by replay, as `unreadable`.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { createBot, NatsQueue, type Bot, type PushDeadLetter } from 'rbmkit';
import { NotReplayableError } from 'rbmkit/advanced';
import { payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, runTs } from '../helpers/processes.js';

const TOKEN = 'QUEUEDLQTOKEN001';
const OWN_TOKEN = 'QUEUEOWNTOKEN001';

describe('undeliverable pushes in queue mode (NATS JetStream)', function () {
  this.timeout(60_000);
  const stream = `TU${randomUUID().slice(0, 8).toUpperCase()}`;
  const queues: NatsQueue[] = [];
  const bots: Bot[] = [];
  let url = '';
  let queue: NatsQueue;

  const newQueue = (options: ConstructorParameters<typeof NatsQueue>[0] = {}) => {
    const made = new NatsQueue({ stream, partitions: 2, ...options });
    queues.push(made);
    return made;
  };
  const cli = async (...args: string[]) => {
    const process = runTs('core/cli/main.ts', ['dlq', ...args, '--stream', stream]);
    const code = await process.exited();
    return { code, output: process.output() };
  };

  before(async () => {
    queue = newQueue();
    const bot = createBot({
      logger: false,
      queue,
      undeliverablePolicy: 'deadLetter',
      partner: { clientToken: TOKEN },
      agents: { 'own@rbm.goog': { webhook: { path: '/agents/own', clientToken: OWN_TOKEN } } },
    });
    bots.push(bot);
    ({ url } = await bot.listen(0, '127.0.0.1'));
  });

  after(async () => {
    for (const bot of bots) await bot.close();
    const admin = newQueue();
    await admin.destroy();
    for (const each of queues) await each.close();
  });

  it('keeps the push in the dead-letter stream, answers 200 with its id, and publishes no event', async () => {
    const answer = await post(`${url}/webhook`, signedPush('{"agentId": broken', { token: TOKEN, pushId: 'QPUSH1' }));
    expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
    const body = answer.body as { status: string; reason: string; deadLetterId: string };
    expect(body).to.include({ status: 'undeliverable', reason: 'bad_data' });
    expect(body.deadLetterId).to.match(/^\d+$/);

    const letter = (await queue.deadLetters.get(body.deadLetterId)) as PushDeadLetter;
    expect(letter).to.include({ kind: 'push', id: body.deadLetterId });
    expect(letter.push).to.include({ reason: 'bad_data', text: '{"agentId": broken' });
    expect(letter.push.push).to.include({ pushId: 'QPUSH1', webhook: '/webhook' });
    expect(await bots[0]!.deadLetters().list()).to.deep.equal([letter]);
    expect(bots[0]!.stats()).to.include({ undeliverable: 1 });
    const info = await (await queue.manager()).streams.info(stream);
    expect(info.state.messages).to.equal(0);
  });

  it('keeps another agent\'s push at an agent webhook too, naming both agents', async () => {
    const data = payloads.text({ agentId: 'other@rbm.goog', text: 'hi', phone: '+15550003333' });
    const answer = await post(`${url}/agents/own`, signedPush(data, { token: OWN_TOKEN, pushId: 'QPUSH2' }));
    expect(answer.status).to.equal(200);
    const id = (answer.body as { deadLetterId: string }).deadLetterId;
    const letter = (await queue.deadLetters.get(id)) as PushDeadLetter;
    expect(letter.push).to.include({ reason: 'agent_mismatch', claimedAgentId: 'other@rbm.goog', webhookAgentId: 'own@rbm.goog' });
  });

  it('rbmkit dlq lists and shows a push dead letter, and refuses to replay it', async () => {
    const [first, second] = await queue.deadLetters.list();
    const listed = await cli('list');
    expect(listed.code, listed.output).to.equal(0);
    expect(listed.output).to.match(new RegExp(`^${first!.id}\t-\tpush QPUSH1 at /webhook\t\\S+\tundeliverable bad_data: expected message\\.data to decode to a JSON object; it is not JSON$`, 'm'));
    expect(listed.output).to.match(new RegExp(`^${second!.id}\tother@rbm\\.goog\tpush QPUSH2 at /agents/own\t\\S+\tundeliverable agent_mismatch: `, 'm'));

    const shown = await cli('show', first!.id);
    expect(shown.code).to.equal(0);
    expect(JSON.parse(shown.output)).to.deep.include({ kind: 'push', id: first!.id });
    expect(JSON.parse(shown.output).push.text).to.equal('{"agentId": broken');

    const replayed = await cli('replay', first!.id);
    expect(replayed.code).to.equal(1);
    expect(replayed.output).to.include(`dead letter ${first!.id} is a push whose data could not be used, not an event: there is nothing to replay`);
    const all = await cli('replay', '--all');
    expect(all.code, all.output).to.equal(0);
    expect(all.output).to.include('0 replayed');
    expect(await queue.deadLetters.list()).to.have.length(2);
  });

  it('reads a broker message a worker could not parse as an unreadable dead letter, which replay refuses too', async () => {
    const seq = await queue.publishTo(queue.deadLetterSubject, { raw: Buffer.from('garbage').toString('base64'), reason: 'expected a queue record', failedAt: Date.now() });
    const letter = await queue.deadLetters.get(String(seq));
    expect(letter).to.deep.include({ kind: 'unreadable', id: String(seq), raw: Buffer.from('garbage').toString('base64'), reason: 'expected a queue record' });
    await queue.deadLetters.replay(String(seq)).then(
      () => expect.fail('expected replay to be refused'),
      (error: unknown) => expect(error).to.be.instanceOf(NotReplayableError).with.property('kind', 'unreadable'),
    );
    const listed = await cli('list');
    expect(listed.output).to.match(new RegExp(`^${seq}\t-\tunreadable\t\\S+\texpected a queue record$`, 'm'));
  });

  it('answers 503 dead_letter_unavailable when the broker cannot keep it, so Google sends it again', async () => {
    const down = newQueue({ url: `nats://127.0.0.1:${await freePort()}` });
    const bot = createBot({ logger: false, queue: down, undeliverablePolicy: 'deadLetter', partner: { clientToken: TOKEN } });
    bots.push(bot);
    const listening = await bot.listen(0, '127.0.0.1');
    const answer = await post(`${listening.url}/webhook`, signedPush('not json', { token: TOKEN }));
    expect(answer.status).to.equal(503);
    expect(answer.headers.get('retry-after')).to.equal('30');
    expect(answer.body).to.have.property('error', 'dead_letter_unavailable');
    expect((answer.body as { message: string }).message).to.match(/cannot be used \(bad_data\) and the dead-letter store did not confirm keeping it .*; expected a redelivery/);
    expect(bot.stats()).to.include({ undeliverable: 0 });
  });
});
