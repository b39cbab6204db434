import { expect } from 'chai';
import { definePlugin, type BotConfig, type PushDeadLetter, type RejectedNotice, type UndeliverableNotice } from 'rbmkit';
import { NotReplayableError } from 'rbmkit/advanced';
import { payloads, signedPush, startTestBot, type TestBot } from 'rbmkit/testing';
import { eventually } from '../helpers/recorder.js';

const PARTNER_TOKEN = 'PARTNERTOKEN0001';
const OWN_TOKEN = 'OWNAGENTTOKEN001';
const OWN = 'own@rbm.goog';
const PHONE = '+15550002222';

/** Records, per agent (or partner scope), the undeliverable and rejected notices its plugins hear. */
function watcher() {
  const undeliverable: Array<{ agent: string; notice: UndeliverableNotice }> = [];
  const rejected: Array<{ agent: string; notice: RejectedNotice }> = [];
  const events: string[] = [];
  const plugin = definePlugin({
    name: 'watcher',
    setup(agent) {
      agent.on('any', (event) => void events.push(event.type));
      agent.on('undeliverable', (notice) => void undeliverable.push({ agent: agent.id, notice }));
      agent.on('rejected', (notice) => void rejected.push({ agent: agent.id, notice }));
    },
  });
  return { plugin, undeliverable, rejected, events };
}

/** One verified push whose data cannot be used, as Google would sign it. */
interface Case {
  readonly name: string;
  readonly reason: UndeliverableNotice['reason'];
  readonly data: string | Uint8Array;
  readonly path: string;
  readonly token: string;
  /** Under the default `reject` policy. */
  readonly rejectedWith: { status: number; error: string; message: RegExp };
  /** The dead letter keeps the data as text, or as base64 when it is not UTF-8. */
  readonly kept: { text: string } | { base64: string };
  readonly claimedAgentId?: string;
  /** Who hears the notice: the webhook's owner. */
  readonly owner: string;
}

const NOT_UTF8 = Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]);
const NO_AGENT = JSON.stringify({ senderPhoneNumber: PHONE, messageId: 'NOAGENT1', sendTime: '2026-01-01T00:00:00Z', text: 'hi' });
const OTHER_AGENT = JSON.stringify(payloads.text({ agentId: 'other@rbm.goog', text: 'hi', phone: PHONE }));

const CASES: readonly Case[] = [
  {
    name: 'data that is not UTF-8',
    reason: 'bad_data',
    data: NOT_UTF8,
    path: '/webhook',
    token: PARTNER_TOKEN,
    rejectedWith: { status: 400, error: 'bad_data', message: /expected message\.data to decode to UTF-8 JSON; it is not valid UTF-8/ },
    kept: { base64: Buffer.from(NOT_UTF8).toString('base64') },
    owner: '*partner*',
  },
  {
    name: 'data that is not JSON',
    reason: 'bad_data',
    data: 'hello, not json',
    path: '/webhook',
    token: PARTNER_TOKEN,
    rejectedWith: { status: 400, error: 'bad_data', message: /expected message\.data to decode to a JSON object; it is not JSON/ },
    kept: { text: 'hello, not json' },
    owner: '*partner*',
  },
  {
    name: 'JSON that is not an object',
    reason: 'bad_data',
    data: '[1,2,3]',
    path: '/agents/own',
    token: OWN_TOKEN,
    rejectedWith: { status: 400, error: 'bad_data', message: /expected message\.data to decode to a JSON object; it is JSON but not an object/ },
    kept: { text: '[1,2,3]' },
    owner: OWN,
  },
  {
    name: 'another agent\'s id at an agent webhook',
    reason: 'agent_mismatch',
    data: OTHER_AGENT,
    path: '/agents/own',
    token: OWN_TOKEN,
    rejectedWith: { status: 403, error: 'agent_mismatch', message: /names agent "other@rbm\.goog"; expected pushes for this webhook's own agent "own@rbm\.goog" only/ },
    kept: { text: OTHER_AGENT },
    claimedAgentId: 'other@rbm.goog',
    owner: OWN,
  },
  {
    name: 'no agent id at the partner webhook',
    reason: 'missing_agent_id',
    data: NO_AGENT,
    path: '/webhook',
    token: PARTNER_TOKEN,
    rejectedWith: { status: 400, error: 'missing_agent_id', message: /expected the signed data to name its "agentId"/ },
    kept: { text: NO_AGENT },
    owner: '*partner*',
  },
];

function config(extra: Partial<BotConfig>, plugin: ReturnType<typeof watcher>['plugin']): BotConfig {
  return {
    partner: { path: '/webhook', clientToken: PARTNER_TOKEN, plugins: [plugin] },
    agents: { [OWN]: { webhook: { path: '/agents/own', clientToken: OWN_TOKEN } } },
    ...extra,
  };
}

describe('undeliverable pushes: verified, their data unusable (real HTTP, pushes signed as Google signs)', () => {
  let t: TestBot;
  let watch: ReturnType<typeof watcher>;
  afterEach(() => t?.close());

  describe("undeliverablePolicy 'reject' (the default): refused as before, nothing kept", () => {
    beforeEach(async () => {
      watch = watcher();
      t = await startTestBot(config({}, watch.plugin));
    });

    for (const c of CASES) {
      it(`${c.name}: ${c.rejectedWith.status} ${c.rejectedWith.error}`, async () => {
        const answer = await t.push(c.data, { token: c.token, path: c.path, pushId: 'PUSH-R' });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(c.rejectedWith.status);
        expect(answer.body).to.have.property('error', c.rejectedWith.error);
        expect((answer.body as { message: string }).message).to.match(c.rejectedWith.message);
        expect(await t.bot.deadLetters().list()).to.deep.equal([]);
        expect(t.bot.stats()).to.include({ undeliverable: 0, verified: 1 });
        if (c.reason !== 'bad_data') {
          await eventually(() => watch.rejected.length === 1);
          expect(watch.rejected[0]).to.deep.include({ agent: c.owner });
          expect(watch.rejected[0]!.notice).to.include({ reason: c.reason, status: c.rejectedWith.status });
        }
        expect(watch.undeliverable).to.deep.equal([]);
      });
    }
  });

  describe("undeliverablePolicy 'deadLetter': answered 200, kept in memory, notified, counted", () => {
    beforeEach(async () => {
      watch = watcher();
      t = await startTestBot(config({ undeliverablePolicy: 'deadLetter' }, watch.plugin));
    });

    for (const c of CASES) {
      it(`${c.name}: 200 undeliverable ${c.reason}, kept as a dead letter the webhook's owner hears of`, async () => {
        const answer = await t.push(c.data, { token: c.token, path: c.path, pushId: `PUSH-${c.reason}` });
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        const body = answer.body as { status: string; reason: string; message: string; deadLetterId: string };
        expect(body).to.include({ status: 'undeliverable', reason: c.reason });
        expect(body.message).to.match(c.rejectedWith.message);
        expect(body.deadLetterId).to.match(/^m\d+$/);

        const letter = (await t.bot.deadLetters().get(body.deadLetterId)) as PushDeadLetter;
        expect(letter).to.include({ kind: 'push', id: body.deadLetterId, reason: `undeliverable ${c.reason}: ${body.message}` });
        expect(letter.failedAt).to.be.a('number');
        expect(letter.push).to.deep.include({ reason: c.reason, message: body.message, ...c.kept });
        expect(letter.push.push).to.include({ pushId: `PUSH-${c.reason}`, webhook: c.path });
        expect(letter.push.push.subscription).to.match(/^projects\/rbm-test\/subscriptions\//);
        expect(letter.push.claimedAgentId).to.equal(c.claimedAgentId);
        expect(letter.push.webhookAgentId).to.equal(c.path === '/agents/own' ? OWN : undefined);
        expect(await t.bot.deadLetters().list()).to.deep.equal([letter]);

        await eventually(() => watch.undeliverable.length === 1);
        expect(watch.undeliverable[0]!.agent).to.equal(c.owner);
        expect(watch.undeliverable[0]!.notice).to.deep.include({
          type: 'undeliverable',
          reason: c.reason,
          webhook: c.path,
          message: body.message,
          deadLetterId: body.deadLetterId,
          pushId: `PUSH-${c.reason}`,
        });
        expect(watch.undeliverable[0]!.notice.claimedAgentId).to.equal(c.claimedAgentId);
        expect(watch.rejected).to.deep.equal([]);
        expect(watch.events).to.deep.equal([]);
        expect(t.bot.stats()).to.include({ undeliverable: 1, verified: 1, rejected: 0, handled: 0 });
        const metrics = await (await fetch(`${t.url}/metrics`)).text();
        expect(metrics).to.include(`rbmkit_pushes_undeliverable_total{webhook="${c.path}",reason="${c.reason}"} 1`);
      });
    }

    it('refuses to replay a push: it is not an event', async () => {
      const answer = await t.push('not json', { token: PARTNER_TOKEN });
      const id = (answer.body as { deadLetterId: string }).deadLetterId;
      const replay = t.bot.deadLetters().replay(id);
      await replay.then(
        () => expect.fail('expected replay to be refused'),
        (error: unknown) => {
          expect(error).to.be.instanceOf(NotReplayableError);
          expect((error as Error).message).to.match(/is a push whose data could not be used, not an event: there is nothing to replay/);
        },
      );
      expect(await t.bot.deadLetters().replay('m999')).to.equal(false);
      expect(await t.bot.deadLetters().list()).to.have.length(1);
    });

    it('never keeps what is not verified: forged and unsigned pushes get 401, bad base64 400, and the store stays empty', async () => {
      const forged = signedPush('not json', { token: 'FORGEDTOKEN00001' });
      const forgedAnswer = await t.postRaw('/webhook', forged.body, forged.headers);
      expect(forgedAnswer.status).to.equal(401);
      expect(forgedAnswer.body).to.have.property('error', 'bad_signature');
      const wrongHook = signedPush(OTHER_AGENT, { token: PARTNER_TOKEN });
      expect((await t.postRaw('/agents/own', wrongHook.body, wrongHook.headers)).status).to.equal(401);
      const unsigned = signedPush('not json', { token: PARTNER_TOKEN });
      const { 'x-goog-signature': _dropped, ...headers } = unsigned.headers;
      const unsignedAnswer = await t.postRaw('/webhook', unsigned.body, headers);
      expect(unsignedAnswer.status).to.equal(401);
      expect(unsignedAnswer.body).to.have.property('error', 'missing_signature');
      const badBase64 = JSON.stringify({ message: { data: '%%%not base64%%%', messageId: '1', attributes: {} }, subscription: 'projects/p/subscriptions/s' });
      const badAnswer = await t.postRaw('/webhook', badBase64, { 'content-type': 'application/json', 'x-goog-signature': 'AAAA' });
      expect(badAnswer.status).to.equal(400);
      expect(badAnswer.body).to.have.property('error', 'bad_base64');
      expect(await t.bot.deadLetters().list()).to.deep.equal([]);
      expect(t.bot.stats()).to.include({ undeliverable: 0, rejected: 3 });
      expect(watch.undeliverable).to.deep.equal([]);
    });

    it('still handles usable pushes as usual', async () => {
      const answer = await t.push(payloads.text({ agentId: 'shop@rbm.goog', text: 'fine', phone: PHONE }), { token: PARTNER_TOKEN });
      expect(answer).to.deep.include({ status: 200, body: { status: 'handled' } });
      expect(watch.events).to.deep.equal(['text']);
      expect(await t.bot.deadLetters().list()).to.deep.equal([]);
    });
  });

  describe('the in-memory dead-letter store is bounded by count and by bytes, oldest dropped first', () => {
    it('keeps at most maxLetters, dropping the oldest and counting them', async () => {
      watch = watcher();
      t = await startTestBot(config({ undeliverablePolicy: 'deadLetter', memoryDeadLetters: { maxLetters: 3 } }, watch.plugin));
      const ids: string[] = [];
      for (let i = 1; i <= 5; i += 1) {
        const answer = await t.push(`junk ${i}`, { token: PARTNER_TOKEN });
        expect(answer.status).to.equal(200);
        ids.push((answer.body as { deadLetterId: string }).deadLetterId);
      }
      const kept = (await t.bot.deadLetters().list()) as PushDeadLetter[];
      expect(kept.map((letter) => [letter.id, letter.push.text])).to.deep.equal([
        [ids[2], 'junk 3'],
        [ids[3], 'junk 4'],
        [ids[4], 'junk 5'],
      ]);
      expect(await t.bot.deadLetters().get(ids[0]!)).to.equal(undefined);
      expect(t.bot.stats()).to.include({ undeliverable: 5, deadLettersDropped: 2 });
      expect(await (await fetch(`${t.url}/metrics`)).text()).to.include('rbmkit_dead_letters_dropped_total 2');
    });

    it('keeps at most maxBytes, dropping the oldest; a push larger than the bound alone is answered 200 and not kept', async () => {
      watch = watcher();
      t = await startTestBot(config({ undeliverablePolicy: 'deadLetter', memoryDeadLetters: { maxLetters: 100, maxBytes: 3_000 } }, watch.plugin));
      const junk = (i: number) => `${i}`.padEnd(900, 'x');
      for (let i = 1; i <= 4; i += 1) expect((await t.push(junk(i), { token: PARTNER_TOKEN })).status).to.equal(200);
      // Each letter is its 900 bytes of data plus its push info and reason (under 1,500 in all): two fit in 3,000 bytes, not three.
      const kept = (await t.bot.deadLetters().list()) as PushDeadLetter[];
      expect(kept.map((letter) => letter.push.text)).to.deep.equal([junk(3), junk(4)]);
      expect(t.bot.stats().deadLettersDropped).to.equal(2);

      const huge = await t.push('y'.repeat(4_000), { token: PARTNER_TOKEN });
      expect(huge.status).to.equal(200);
      expect(huge.body).to.include({ status: 'undeliverable', reason: 'bad_data' });
      expect(huge.body).not.to.have.property('deadLetterId');
      expect(((await t.bot.deadLetters().list()) as PushDeadLetter[]).map((letter) => letter.push.text)).to.deep.equal([junk(3), junk(4)]);
      expect(t.bot.stats()).to.include({ undeliverable: 5, deadLettersDropped: 3 });
      await eventually(() => watch.undeliverable.length === 5);
      expect(watch.undeliverable[4]!.notice.deadLetterId).to.equal(undefined);
    });
  });
});
