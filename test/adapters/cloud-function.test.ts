
import { join } from 'node:path';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { expect } from 'chai';
import { cloudFunction } from 'rbmkit/adapters';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, ROOT, runTs, type Running } from '../helpers/processes.js';
import { describeAdapterContract, TOKEN } from './adapter-contract.js';
import { listenOnLoopback } from './listen.js';

let registered = 0;

describe('Cloud Functions adapter (@google-cloud/functions-framework, real HTTP)', () => {
  describeAdapterContract(
    "in the framework's own Express app, which parses JSON and keeps req.rawBody",
    async (bot) => {
      const name = `rbm-contract-${(registered += 1)}`;
      http(name, cloudFunction(bot));
      const served = await listenOnLoopback(getTestServer(name));
      return served;
    },
    { businessMessages: true, hostParsesJson: true, config: { processBeforeResponse: true } },
  );

  describe('examples/cloud-function run by the framework\'s own CLI', function () {
    this.timeout(30_000);
    let api: FakeRbmApi;
    let fn: Running;
    let url: string;

    before(async () => {
      api = await FakeRbmApi.start();
      const port = await freePort();
      fn = runTs(join(ROOT, 'node_modules/@google-cloud/functions-framework/build/src/main.js'), ['--target=rbm', `--source=${join(ROOT, 'examples/cloud-function/index.ts')}`, `--port=${port}`], {
        RBM_CLIENT_TOKEN: TOKEN,
        RBM_API_URL: api.url,
        LOG_LEVEL: 'warn',
      });
      await fn.waitFor(/Serving function/);
      url = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      await fn?.stop();
      await api?.close();
    });

    it('answers the handshake and a push at the function URL, replying before it answers', async () => {
      const handshake = await fetch(`${url}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"clientToken":"${TOKEN}","secret":"s3cr3t"}` });
      expect(handshake.status).to.equal(200);
      expect(await handshake.text()).to.equal('s3cr3t');
      const push = signedPush(payloads.text({ text: 'from the cloud' }), { token: TOKEN });
      const answer = await post(`${url}/`, push);
      expect(answer.status, JSON.stringify(answer.body)).to.equal(200);
      // processBeforeResponse: the reply was sent before the answer, not after it.
      expect(api.texts()).to.deep.equal(['from the cloud']);
      expect((await post(`${url}/`, push)).body).to.deep.equal({ status: 'duplicate' });
      const forged = await post(`${url}/`, signedPush(payloads.text({ text: 'x' }), { token: 'NOTTHETOKEN00000' }));
      expect(forged.status).to.equal(401);
      expect(fn.output()).not.to.include(TOKEN);
    });
  });
});

