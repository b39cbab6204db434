import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { GoogleAuth } from 'google-auth-library';
import { pino } from 'pino';
import { createBot, HttpRbmClient, MemoryRbmClient } from 'rbmkit';
import { loadConfigFile, PluginRegistry } from 'rbmkit/advanced';
import { echo } from 'rbmkit/plugins';
import { FakeRbmApi, payloads, signedPush } from 'rbmkit/testing';
import { AgentRegistry } from '../../core/dispatch/agent-registry.js';

const dir = mkdtempSync(join(tmpdir(), 'rbmkit-agent-client-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
// A key file's content is google-auth-library's business; the bot checks it exists at start.
const KEY = JSON.stringify({ type: 'service_account', client_email: 'rbm@shop-project.iam.gserviceaccount.com', private_key: 'unused' });

/** The clients a loaded config gives each agent, built as the bot builds them. */
function clientsOf(path: string, env: NodeJS.ProcessEnv = {}) {
  const loaded = loadConfigFile(path, new PluginRegistry(), env);
  const registry = new AgentRegistry({ client: new MemoryRbmClient(), log: pino({ enabled: false }) });
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    registry.configure([], loaded.bot.agents ?? {});
  } finally {
    for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
  }
  return registry;
}

/** The key file behind a built client's credentials. */
async function keyFileOf(client: unknown): Promise<string | undefined> {
  const google = await (client as { caller: { options: { auth: { auth(): Promise<GoogleAuth> } } } }).caller.options.auth.auth();
  return (google as unknown as { keyFilename?: string }).keyFilename;
}

describe('a client per agent in the config file', () => {
  it('builds each agent\'s HttpRbmClient: its key file (relative to the file, or from the environment), region, endpoint', async () => {
    file('shop-key.json', KEY);
    const cafeKey = file('cafe-key.json', KEY);
    const path = file(
      'agents.yaml',
      [
        'partner: { clientToken: T }',
        'agents:',
        '  shop@rbm.goog:',
        '    client:',
        '      region: europe',
        '      credentials: { keyFile: ./shop-key.json }',
        '      trafficType: TRANSACTION',
        '      rateLimits: { batchGet: { calls: 300, perMs: 60000 }, messages: { calls: 50, perMs: 1000, burst: 10 }, maxWaitMs: 5000 }',
        '  cafe@rbm.goog:',
        '    client: { credentials: { keyFile: { env: CAFE_KEY_FILE } } }',
        '  bank@rbm.goog:',
        '    plugins: []',
      ].join('\n'),
    );
    const registry = clientsOf(path, { CAFE_KEY_FILE: cafeKey });
    const shop = registry.clientFor('shop@rbm.goog');
    const cafe = registry.clientFor('cafe@rbm.goog');
    expect(shop).to.be.instanceOf(HttpRbmClient);
    expect((shop as HttpRbmClient).baseUrl).to.equal('https://europe-rcsbusinessmessaging.googleapis.com');
    expect(await keyFileOf(shop)).to.equal(join(dir, 'shop-key.json'));
    expect((cafe as HttpRbmClient).baseUrl).to.equal('https://rcsbusinessmessaging.googleapis.com');
    expect(await keyFileOf(cafe)).to.equal(cafeKey);
    // Without a client of its own, an agent uses the bot's.
    expect(registry.clientFor('bank@rbm.goog')).to.be.instanceOf(MemoryRbmClient);
    expect(registry.clientFor('unlisted@rbm.goog')).to.equal(registry.clientFor('bank@rbm.goog'));
  });

  it('names every mistake: a missing key file, an unset variable, a bad setting', () => {
    const missing = file('missing.yaml', 'partner: { clientToken: T }\nagents:\n  shop@rbm.goog:\n    client: { credentials: { keyFile: ./nope.json } }\n');
    expect(() => clientsOf(missing)).to.throw(`agents.shop@rbm.goog.client.credentials.keyFile: expected a service account key file at ${join(dir, 'nope.json')}, found none`);
    const unset = file('unset.yaml', 'partner: { clientToken: T }\nagents:\n  shop@rbm.goog:\n    client: { credentials: { keyFile: { env: SHOP_KEY_FILE } } }\n');
    expect(() => clientsOf(unset)).to.throw('agents.shop@rbm.goog.client.credentials.keyFile: expected environment variable SHOP_KEY_FILE to hold the path of a service account key file, got nothing');
    const burst = file('burst.yaml', 'partner: { clientToken: T }\nagents:\n  shop@rbm.goog:\n    client: { rateLimits: { messages: { calls: 5, perMs: 1000, burst: 5 } } }\n');
    expect(() => clientsOf(burst)).to.throw('agents.shop@rbm.goog.client.rateLimits: rate limit burst: expected less than calls (5)');
    const typo = file('typo.yaml', 'partner: { clientToken: T }\nagents:\n  shop@rbm.goog:\n    client: { regoin: us, credentials: { keyfile: x } }\n');
    expect(() => loadConfigFile(typo, new PluginRegistry())).to.throw(/typo\.yaml: invalid rbmkit config:\n {2}agents\.shop@rbm\.goog\.client: .*unknown key "regoin"; expected only: baseUrl, region, credentials, trafficType, rateLimits/);
  });

  it('end to end: an agent of the file replies through its own endpoint, the rest through the bot\'s client', async () => {
    const api = await FakeRbmApi.start();
    const path = file(
      'e2e.yaml',
      `partner:\n  clientToken: E2ETOKEN\n  plugins: [{ name: echo, options: { markRead: false } }]\nagents:\n  shop@rbm.goog:\n    client: { baseUrl: "${api.url}", credentials: none }\n`,
    );
    const loaded = loadConfigFile(path, new PluginRegistry().register(echo));
    const fallback = new MemoryRbmClient();
    const bot = createBot({ ...loaded.bot, client: fallback, logger: false });
    try {
      const { url } = await bot.listen(0, '127.0.0.1');
      for (const agentId of ['shop@rbm.goog', 'cafe@rbm.goog']) {
        const push = signedPush(payloads.text({ text: `hi ${agentId}`, agentId }), { token: 'E2ETOKEN' });
        const answer = await fetch(`${url}/webhook`, { method: 'POST', headers: push.headers, body: push.body });
        expect(answer.status).to.equal(200);
      }
      expect(api.texts()).to.deep.equal(['hi shop@rbm.goog']);
      expect(fallback.texts()).to.deep.equal(['hi cafe@rbm.goog']);
    } finally {
      await bot.close();
      await api.close();
    }
  });
});
