// A config file's Business Messages webhooks get a BmClient from the environment (a file holds no clients).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { BmClient, createBot, MemoryRbmClient, type Bot } from 'rbmkit';
import { loadConfigFile } from 'rbmkit/advanced';
import { firstPartyRegistry } from 'rbmkit/plugins';
import { bmPayloads, FakeBmApi, post, signedBmRequest } from 'rbmkit/testing';
import { withBmClientsFromEnv } from '../../core/cli/bm-clients-from-env.js';
import { removeTempDirs, tempDir } from '../package/packed.js';

const YAML = `
partner:
  clientToken: RBMFILETOKEN
  plugins: [echo]
businessMessages:
  clientToken: { env: BM_CLIENT_TOKEN }
agents:
  brands/own/agents/hook:
    webhook: { path: /own-bm, clientToken: OWNBMTOKEN, dialect: business-messages }
    plugins: [echo]
`;

describe('withBmClientsFromEnv (rbmkit start)', () => {
  after(removeTempDirs);
  let bot: Bot | undefined;
  let api: FakeBmApi | undefined;
  afterEach(async () => {
    await bot?.close();
    await api?.close();
    bot = undefined;
    api = undefined;
  });

  it('gives the file\'s BM webhooks a BmClient to BM_API_URL; both answer a BM user over real HTTP', async () => {
    api = await FakeBmApi.start();
    const env = { BM_CLIENT_TOKEN: 'FILEBMTOKEN', BM_API_URL: api.url };
    const file = join(tempDir('rbmkit-bm-'), 'rbmkit.yaml');
    writeFileSync(file, YAML);
    const loaded = loadConfigFile(file, firstPartyRegistry(), env);
    const { config, description } = withBmClientsFromEnv(loaded.bot, env);
    expect(description).to.equal(`Business Messages replies go to ${api.url} with the local development token`);
    expect(config.businessMessages?.client).to.be.instanceOf(BmClient);
    expect(config.agents?.['brands/own/agents/hook']?.webhook?.client).to.equal(config.businessMessages?.client);
    const saved = process.env.BM_CLIENT_TOKEN;
    process.env.BM_CLIENT_TOKEN = 'FILEBMTOKEN';
    try {
      bot = createBot({ ...config, client: new MemoryRbmClient(), logger: false });
    } finally {
      if (saved === undefined) delete process.env.BM_CLIENT_TOKEN;
      else process.env.BM_CLIENT_TOKEN = saved;
    }
    expect(bot.webhooks()).to.deep.equal(['/webhook', '/bm', '/own-bm']);
    const { url } = await bot.listen(0, '127.0.0.1');
    const partnerScoped = bmPayloads.text({ agent: 'brands/any/agents/one', conversationId: 'C-P', text: 'to the partner BM hook' });
    expect((await post(`${url}/bm`, signedBmRequest(partnerScoped, { token: 'FILEBMTOKEN' }))).status).to.equal(200);
    const own = bmPayloads.text({ agent: 'brands/own/agents/hook', conversationId: 'C-O', text: 'to its own hook' });
    expect((await post(`${url}/own-bm`, signedBmRequest(own, { token: 'OWNBMTOKEN' }))).status).to.equal(200);
    expect(api.messages.map((m) => [m.conversationId, m.body.text])).to.deep.equal([
      ['C-P', 'to the partner BM hook'],
      ['C-O', 'to its own hook'],
    ]);
  });

  it('leaves a config without BM webhooks, and BM webhooks with their own client, as they are', () => {
    const rbmOnly = { partner: { clientToken: 'T' } };
    expect(withBmClientsFromEnv(rbmOnly, {})).to.deep.equal({ config: rbmOnly });
    const own = new BmClient({ baseUrl: 'http://127.0.0.1:9' });
    const given = { businessMessages: { clientToken: 'T', client: own } };
    expect(withBmClientsFromEnv(given, {}).config.businessMessages?.client).to.equal(own);
  });
});
