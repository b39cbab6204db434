// What every adapter keeps of the core's promises, checked over real HTTP through the real
// framework: the handshake, the signature check, JSON errors, dedupe, order per conversation,
// the body limit. Replies go to the fake RBM API on loopback.
import { expect } from 'chai';
import { BmClient, createBot, definePlugin, HttpRbmClient, noAuth, staticToken, type Bot, type BotConfig } from 'rbmkit';
import { echo } from 'rbmkit/plugins';
import { bmPayloads, FakeBmApi, FakeRbmApi, payloads, post, signedBmRequest, signedPush } from 'rbmkit/testing';
import { eventually } from '../helpers/recorder.js';

export const TOKEN = 'SJENCPGJESMGUFPY';
export const BM_TOKEN = 'BMTOKEN000000001';
const TWO_MIB = 2 * 1024 * 1024;

/** A bot mounted in a host framework: the base URL its webhooks are under (`${base}/webhook`). */
export interface Mounted {
  readonly base: string;
  close(): Promise<void>;
}

export interface ContractOptions {
  /** The host also serves a Business Messages webhook at `${base}/bm`, whose signature covers the raw bytes. */
  readonly businessMessages?: boolean;
  /** The host's own JSON parser reads the body first: a malformed body is the host's to answer, never rbmkit's. */
  readonly hostParsesJson?: boolean;
  /** Extra bot config (processBeforeResponse…). */
  readonly config?: Partial<BotConfig>;
}

/** A plugin that fails the test's expectation if two events of one conversation ever overlap. */
function overlapWitness() {
  const active = new Map<string, number>();
  const seen = { overlaps: 0, handled: 0 };
  const plugin = definePlugin({
    name: 'overlap-witness',
    setup(agent) {
      agent.on(
        'text',
        async (event) => {
          const now = (active.get(event.phone) ?? 0) + 1;
          active.set(event.phone, now);
          if (now > 1) seen.overlaps += 1;
          await new Promise((resolve) => setTimeout(resolve, 15));
          active.set(event.phone, now - 1);
          seen.handled += 1;
        },
        { stage: 'observe' },
      );
    },
  });
  return { plugin, seen };
}

/**
 * Runs the adapter contract against `mount`, which serves the given bot through a host
 * framework on 127.0.0.1 and answers where its webhooks are.
 *
 * @example
 * describeAdapterContract('Express', async (bot) => { … return { base, close }; });
 */
export function describeAdapterContract(name: string, mount: (bot: Bot) => Promise<Mounted>, options: ContractOptions = {}): void {
  describe(`${name}: what the core promises`, () => {
    let api: FakeRbmApi;
    let bmApi: FakeBmApi | undefined;
    let bot: Bot;
    let mounted: Mounted;
    let witness: ReturnType<typeof overlapWitness>;

    beforeEach(async () => {
      api = await FakeRbmApi.start();
      bmApi = options.businessMessages === true ? await FakeBmApi.start() : undefined;
      witness = overlapWitness();
      bot = createBot({
        logger: false,
        partner: { path: '/webhook', clientToken: TOKEN, plugins: [witness.plugin, echo] },
        ...(bmApi === undefined ? {} : { businessMessages: { path: '/bm', clientToken: BM_TOKEN, client: new BmClient({ baseUrl: bmApi.url, auth: staticToken('t') }) } }),
        client: new HttpRbmClient({ baseUrl: api.url, auth: noAuth(), maxAttempts: 1 }),
        ...options.config,
      });
      mounted = await mount(bot);
    });

    afterEach(async () => {
      await mounted.close();
      await bot.close();
      await api.close();
      await bmApi?.close();
    });

    const webhook = () => `${mounted.base}/webhook`;

    it('answers the handshake with the bare secret, and a wrong clientToken with 401 JSON', async () => {
      const good = await fetch(webhook(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"clientToken":"${TOKEN}","secret":"1234567890"}` });
      expect(good.status).to.equal(200);
      expect(good.headers.get('content-type')).to.match(/^text\/plain/);
      expect(await good.text()).to.equal('1234567890');
      const bad = await post(webhook(), { body: '{"clientToken":"WRONGTOKEN000000","secret":"1234567890"}' });
      expect(bad.status).to.equal(401);
      expect(bad.body).to.deep.include({ error: 'bad_client_token' });
      expect(JSON.stringify(bad.body)).not.to.include('1234567890');
    });

    it('handles a signed push once: the echo reaches the fake RBM API, a redelivery is a duplicate', async () => {
      const push = signedPush(payloads.text({ text: 'hello', messageId: 'M-1' }), { token: TOKEN });
      const first = await post(webhook(), push);
      expect(first.status, JSON.stringify(first.body)).to.equal(200);
      expect(first.body).to.deep.equal({ status: 'handled' });
      expect(api.texts()).to.deep.equal(['hello']);
      const again = await post(webhook(), push);
      expect(again.status).to.equal(200);
      expect(again.body).to.deep.equal({ status: 'duplicate' });
      expect(api.texts()).to.deep.equal(['hello']);
    });

    it('refuses a forged or unsigned push with 401 JSON and runs no plugin', async () => {
      const forged = await post(webhook(), signedPush(payloads.text({ text: 'forged' }), { token: 'NOTTHETOKEN00000' }));
      expect(forged.status).to.equal(401);
      expect(forged.body).to.deep.include({ error: 'bad_signature' });
      const unsigned = signedPush(payloads.text({ text: 'unsigned' }), { token: TOKEN });
      const missing = await post(webhook(), { body: unsigned.body });
      expect(missing.status).to.equal(401);
      expect(missing.body).to.deep.include({ error: 'missing_signature' });
      expect(api.texts()).to.deep.equal([]);
    });

    it('refuses a 2 MiB body with 413 JSON (and bad JSON with 400 JSON where rbmkit reads the body), then serves the next push', async () => {
      const big = await post(webhook(), { body: `{"message":{"data":"${'A'.repeat(TWO_MIB)}"}}`, headers: { 'content-type': 'application/json', 'x-goog-signature': 'c2lnbmVk' } });
      expect(big.status).to.equal(413);
      expect(big.body).to.deep.include({ error: 'payload_too_large' });
      if (options.hostParsesJson !== true) {
        const broken = await post(webhook(), { body: '{"message":', headers: { 'content-type': 'application/json', 'x-goog-signature': 'c2lnbmVk' } });
        expect(broken.status).to.equal(400);
        expect(broken.body).to.deep.include({ error: 'bad_json' });
        expect(broken.body).to.have.property('message').that.matches(/expected/);
      }
      const next = await post(webhook(), signedPush(payloads.text({ text: 'still here' }), { token: TOKEN }));
      expect(next.status).to.equal(200);
      expect(api.texts()).to.deep.equal(['still here']);
    });

    it("keeps one conversation's events in order, one at a time", async () => {
      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map((n) => post(webhook(), signedPush(payloads.text({ text: `m${n}`, phone: '+15555550123' }), { token: TOKEN }))),
      );
      expect(answers.map((answer) => answer.status)).to.deep.equal([200, 200, 200, 200, 200]);
      await eventually(() => api.texts().length === 5);
      expect(witness.seen).to.deep.equal({ overlaps: 0, handled: 5 });
    });

    if (options.businessMessages === true) {
      it('verifies a Business Messages event against the exact raw body bytes', async () => {
        // Whitespace and key order a re-serialised body would lose: only the raw bytes verify.
        const body = JSON.stringify(bmPayloads.text({ conversationId: 'conv-1', text: 'hola' }), null, 2);
        const answer = await post(`${mounted.base}/bm`, signedBmRequest(body, { token: BM_TOKEN }));
        expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
        await eventually(() => (bmApi?.messages.length ?? 0) === 1);
        const forged = await post(`${mounted.base}/bm`, signedBmRequest(body, { token: 'NOTTHETOKEN00000' }));
        expect(forged.status).to.equal(401);
      });
    }
  });
}
