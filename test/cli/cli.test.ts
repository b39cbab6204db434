import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { definePlugin, suggestions, messages } from 'rbmkit';
import { echo, keywords } from 'rbmkit/plugins';
import { FakeRbmApi, payloads, post, signedPush, startTestBot } from 'rbmkit/testing';
import { freePort, ROOT, runTs } from '../helpers/processes.js';

const CLI = 'core/cli/main.ts';

describe('rbmkit CLI (real processes)', function () {
  this.timeout(30_000);

  describe('chat', () => {
    it('plays Google: signs typed lines as pushes, shows replies, numbers chips, taps by number, sends location, file and events', async () => {
      const apiPort = await freePort();
      const { HttpRbmClient, noAuth } = await import('rbmkit');
      const menu = keywords.with({
        routes: [
          { match: 'menu', reply: messages.text('What would you like?', [suggestions.reply('Pho', 'ORDER_PHO'), suggestions.dial('Call us', '+15551234567')]) },
          { postback: 'ORDER_PHO', reply: 'One pho, coming up!' },
        ],
      });
      const seen: string[] = [];
      const witness = definePlugin({ name: 'witness', setup: (a) => void a.on('any', (e) => void seen.push(e.type)) });
      const bot = await startTestBot({
        partner: { clientToken: 'CHATTOKEN', plugins: [echo.with({ kinds: ['location', 'file'] }), menu, witness] },
        client: new HttpRbmClient({ baseUrl: `http://127.0.0.1:${apiPort}`, auth: noAuth() }),
      });
      const chat = runTs(CLI, ['chat', '--webhook', `${bot.url}/webhook`, '--token', 'CHATTOKEN', '--api-port', String(apiPort), '--agent', 'cafe@rbm.goog']);
      try {
        await chat.waitFor(/type a message/);
        chat.child.stdin.end(['menu', '9', '1', '/location 48.8584 2.2945', '/file https://example.com/cat.jpg image/jpeg', '/read', '/typing', '/unsubscribe', '/nonsense', ''].join('\n'));
        expect(await chat.exited()).to.equal(0);
        const out = chat.output();
        expect(out).to.include('you are +15555550100, talking to cafe@rbm.goog');
        expect(out).to.include('agent> What would you like?\n       [1] Pho  [2] Call us (dial +15551234567)');
        expect(out).to.include('you> 1\nagent> One pho, coming up!');
        expect(out).to.include('agent> You are at 48.85840, 2.29450');
        expect(out).to.include('agent> You sent cat.jpg (image/jpeg, 0 bytes)');
        expect(out).to.include('  ✓✓ read');
        expect(out).to.include('  ! no chip 9; expected 1 to 2');
        expect(out).to.include('  ! unknown command /nonsense; type /help');
        expect(seen).to.deep.equal(['text', 'suggestion', 'location', 'file', 'read', 'typing', 'unsubscribe']);
      } finally {
        await chat.stop();
        await bot.close();
      }
    });

    it('says what is wrong when the agent is not running or refuses the token', async () => {
      const apiPort = await freePort();
      const deadPort = await freePort();
      const chat = runTs(CLI, ['chat', '--webhook', `http://127.0.0.1:${deadPort}/webhook`, '--api-port', String(apiPort)]);
      chat.child.stdin.end('hello\n');
      expect(await chat.exited()).to.equal(0);
      expect(chat.output()).to.match(/! cannot reach http:\/\/127\.0\.0\.1:\d+\/webhook: is the agent running\?/);

      const bot = await startTestBot({ partner: { clientToken: 'RIGHT' } });
      try {
        const wrong = runTs(CLI, ['chat', '--webhook', `${bot.url}/webhook`, '--token', 'WRONG', '--api-port', String(await freePort())]);
        wrong.child.stdin.end('hello\n');
        await wrong.exited();
        expect(wrong.output()).to.include("! the agent answered 401 bad_signature: X-Goog-Signature does not match message.data for any clientToken of this webhook; expected base64 HMAC-SHA512 of the decoded data (is the token the agent's clientToken?");
      } finally {
        await bot.close();
      }
    });
  });

  describe('start', () => {
    it('runs the agents of a YAML config, with tokens from the environment and a user plugin module, and stops cleanly on SIGTERM', async () => {
      const api = await FakeRbmApi.start();
      const port = await freePort();
      const dir = mkdtempSync(join(tmpdir(), 'rbmkit-start-'));
      const config = join(dir, 'rbmkit.yaml');
      writeFileSync(
        config,
        [
          `port: ${port}`,
          'host: 127.0.0.1',
          `pluginModules: [${JSON.stringify(join(ROOT, 'test/fixtures/shout-plugin.ts'))}]`,
          'partner:',
          '  path: /rbm',
          '  clientToken: { env: START_TEST_TOKEN }',
          '  plugins: [logging, echo]',
          'agents:',
          '  loud@rbm.goog:',
          '    plugins:',
          '      - name: shout',
          '        options: { suffix: "!!!" }',
        ].join('\n'),
      );
      const server = runTs(CLI, ['start', '--config', config], { START_TEST_TOKEN: 'YAMLTOKEN', RBM_API_URL: api.url });
      try {
        await server.waitFor(/rbmkit listening/);
        const url = `http://127.0.0.1:${port}/rbm`;
        expect((await post(url, signedPush(payloads.text({ agentId: 'quiet@rbm.goog', text: 'hi' }), { token: 'YAMLTOKEN' }))).status).to.equal(200);
        expect((await post(url, signedPush(payloads.text({ agentId: 'loud@rbm.goog', text: 'hi' }), { token: 'YAMLTOKEN' }))).status).to.equal(200);
        expect(api.texts()).to.deep.equal(['hi', 'HI!!!']);
        server.child.kill('SIGINT');
        expect(await server.exited()).to.equal(0);
        expect(server.output()).to.include('shutting down');
        expect(server.output()).not.to.include('YAMLTOKEN');
      } finally {
        await server.stop();
        await api.close();
      }
    });

    it('names the wrong field and exits non-zero on a config error', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rbmkit-bad-'));
      const config = join(dir, 'bad.json');
      writeFileSync(config, JSON.stringify({ port: 8080, partner: { path: 'no-slash', clientToken: 'T', plugins: ['ecko'] } }));
      const server = runTs(CLI, ['start', '--config', config]);
      expect(await server.exited()).to.equal(2);
      expect(server.output()).to.include(`rbmkit: ${config}: invalid rbmkit config:\n  partner.path: expected a path starting with "/"`);

      writeFileSync(config, JSON.stringify({ partner: { clientToken: 'T', plugins: ['ecko'] } }));
      const unknown = runTs(CLI, ['start', '--config', config]);
      expect(await unknown.exited()).to.equal(2);
      expect(unknown.output()).to.include('partner.plugins.0: no plugin named "ecko"; expected one of: echo, logging, keywords');

      const missing = runTs(CLI, ['start', '--config', join(dir, 'nope.yaml')]);
      expect(await missing.exited()).to.equal(2);
      expect(missing.output()).to.include('nope.yaml: cannot read the config file (ENOENT)');
    });
  });

  describe('send', () => {
    it('signs a fixture and posts it, printing the answer', async () => {
      const bot = await startTestBot({ partner: { clientToken: 'SENDTOKEN', plugins: [echo] } });
      try {
        const send = runTs(CLI, ['send', 'test/fixtures/text.json', '--webhook', `${bot.url}/webhook`, '--token', 'SENDTOKEN']);
        expect(await send.exited()).to.equal(0);
        expect(send.output()).to.include('200 {"status":"handled"}');
        expect(bot.texts()).to.deep.equal(['replayed from a fixture']);
        const refused = runTs(CLI, ['send', 'test/fixtures/text.json', '--webhook', `${bot.url}/webhook`, '--token', 'WRONG']);
        expect(await refused.exited()).to.equal(1);
        expect(refused.output()).to.include('401 {"error":"bad_signature"');
      } finally {
        await bot.close();
      }
    });
  });

  it('prints usage, and refuses an unknown command or option', async () => {
    const help = runTs(CLI, ['help']);
    expect(await help.exited()).to.equal(0);
    expect(help.output()).to.include('usage: rbmkit <command>');
    const unknown = runTs(CLI, ['serve']);
    expect(await unknown.exited()).to.equal(2);
    expect(unknown.output()).to.include('unknown command "serve"; expected one of: start, chat, send, help');
    const badOption = runTs(CLI, ['chat', '--colour']);
    expect(await badOption.exited()).to.equal(2);
    expect(badOption.output()).to.include("Unknown option '--colour'");
  });
});
