import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { expect } from 'chai';
import { definePlugin, suggestions, messages } from 'rbmkit';
import { LOCAL_DEV_TOKEN } from 'rbmkit/advanced';
import { echo, keywords } from 'rbmkit/plugins';
import { FakeRbmApi, payloads, post, signedPush, startTestBot } from 'rbmkit/testing';
import { freePort, ROOT, runTs } from '../helpers/processes.js';
import { OwnRedis } from '../helpers/redis-server.js';
import { removeTempDirs, tempDir } from '../package/packed.js';

const CLI = 'core/cli/main.ts';

describe('rbmkit CLI (real processes)', function () {
  this.timeout(30_000);
  after(removeTempDirs);

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
      const witness = definePlugin({ name: 'witness', setup: (a) => void a.on('any', (e) => void seen.push(e.type), { stage: 'observe' }) });
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
      const dir = tempDir('rbmkit-start-');
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

    it('on Cloud Run (K_SERVICE) listens on PORT on every interface, and exits within its 10 s of SIGTERM with a handler still running', async function () {
      this.timeout(30_000);
      const port = await freePort();
      const dir = tempDir('rbmkit-cloud-run-');
      const config = join(dir, 'rbmkit.yaml');
      writeFileSync(config, [`pluginModules: [${JSON.stringify(join(ROOT, 'test/fixtures/sleepy-plugin.ts'))}]`, 'partner:', '  clientToken: { env: START_TEST_TOKEN }', '  plugins: [sleepy]'].join('\n'));
      const server = runTs(CLI, ['start', '--config', config], { START_TEST_TOKEN: 'CLOUDRUNTOKEN', RBM_API_URL: 'http://127.0.0.1:9', PORT: String(port), K_SERVICE: 'rbm-agent' });
      try {
        // Logged after the listening line: waited for, not looked for at once (it may come in a later chunk of output).
        await server.waitFor(/on Cloud Run \(K_SERVICE\): shutdownTimeoutMs 6000/);
        expect(server.output()).to.match(new RegExp(`rbmkit listening on http://(0\\.0\\.0\\.0|\\[::\\]):${port}`));
        // A push whose handler runs 30 s: still in flight at SIGTERM.
        const inFlight = post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'slow' }), { token: 'CLOUDRUNTOKEN' })).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 300));
        const signalled = Date.now();
        server.child.kill('SIGTERM');
        expect(await server.exited()).to.equal(0);
        const tookMs = Date.now() - signalled;
        expect(tookMs, `exited ${tookMs} ms after SIGTERM`).to.be.below(10_000);
        expect(server.output()).to.include('handlers still running after 6000 ms');
        await inFlight;
      } finally {
        await server.stop();
      }
    });

    it('with REDIS_URL, two instances share dedupe: a redelivery to the other one is a duplicate', async function () {
      this.timeout(30_000);
      const redis = await OwnRedis.start();
      const api = await FakeRbmApi.start();
      const dir = tempDir('rbmkit-instances-');
      const config = join(dir, 'rbmkit.yaml');
      writeFileSync(config, ['partner:', '  clientToken: { env: START_TEST_TOKEN }', '  plugins: [echo]'].join('\n'));
      const ports = [await freePort(), await freePort()];
      const env = { START_TEST_TOKEN: 'INSTANCETOKEN', RBM_API_URL: api.url, REDIS_URL: redis.url, HOST: '127.0.0.1' };
      const instances = ports.map((port) => runTs(CLI, ['start', '--config', config], { ...env, PORT: String(port) }));
      try {
        await Promise.all(instances.map((instance) => instance.waitFor(/rbmkit listening/)));
        expect(instances[0]!.output()).to.include('shared through Redis');
        const push = signedPush(payloads.text({ text: 'once' }), { token: 'INSTANCETOKEN' });
        expect((await post(`http://127.0.0.1:${ports[0]}/webhook`, push)).body).to.deep.equal({ status: 'handled' });
        expect((await post(`http://127.0.0.1:${ports[1]}/webhook`, push)).body).to.deep.equal({ status: 'duplicate' });
        expect(api.texts()).to.deep.equal(['once']);
      } finally {
        await Promise.all(instances.map((instance) => instance.stop()));
        await api.close();
        await redis.stop();
      }
    });

    it('names the wrong field and exits non-zero on a config error', async () => {
      const dir = tempDir('rbmkit-bad-');
      const config = join(dir, 'bad.json');
      writeFileSync(config, JSON.stringify({ port: 8080, partner: { path: 'no-slash', clientToken: 'T', plugins: ['ecko'] } }));
      const server = runTs(CLI, ['start', '--config', config]);
      expect(await server.exited()).to.equal(2);
      expect(server.output()).to.include(`rbmkit start: ${config}: invalid rbmkit config:\n  partner.path: expected a path starting with "/"`);

      writeFileSync(config, JSON.stringify({ partner: { clientToken: 'T', plugins: ['ecko'] } }));
      const unknown = runTs(CLI, ['start', '--config', config]);
      expect(await unknown.exited()).to.equal(2);
      expect(unknown.output()).to.include('partner.plugins.0: no plugin named "ecko"; expected one of: echo, logging, keywords');

      const missing = runTs(CLI, ['start', '--config', join(dir, 'nope.yaml')]);
      expect(await missing.exited()).to.equal(2);
      expect(missing.output()).to.include('nope.yaml: cannot read the config file (ENOENT)');
    });
    it('listens on PORT and HOST unless the file says, on loopback only while a webhook accepts the development token', async () => {
      const dir = tempDir('rbmkit-listen-');
      const config = join(dir, 'rbmkit.yaml');
      const listening = async (yaml: string[], env: Record<string, string>, pattern: RegExp) => {
        writeFileSync(config, yaml.join('\n'));
        const server = runTs(CLI, ['start', '--config', config], env);
        try {
          await server.waitFor(/rbmkit listening on \S+/);
          expect(server.output()).to.match(pattern);
          return server.output();
        } finally {
          await server.stop();
        }
      };
      const [a, b] = [await freePort(), await freePort()];
      const devOutput = await listening(['partner:', '  clientToken: { env: LISTEN_TOKEN }'], { PORT: String(a), LISTEN_TOKEN: LOCAL_DEV_TOKEN }, new RegExp(`rbmkit listening on http://127\\.0\\.0\\.1:${a},`));
      expect(devOutput).to.include('listening on loopback only');
      await listening(['partner:', '  clientToken: { env: LISTEN_TOKEN }'], { PORT: String(a), LISTEN_TOKEN: 'A-REAL-SECRET' }, new RegExp(`rbmkit listening on http://(\\[::\\]|0\\.0\\.0\\.0):${a},`));
      await listening(['partner:', `  clientToken: ${LOCAL_DEV_TOKEN}`], { PORT: String(a), HOST: '127.0.0.1' }, new RegExp(`rbmkit listening on http://127\\.0\\.0\\.1:${a},`));
      await listening([`port: ${b}`, 'host: 127.0.0.1', 'partner:', '  clientToken: A-REAL-SECRET'], { PORT: String(a), HOST: '0.0.0.0' }, new RegExp(`rbmkit listening on http://127\\.0\\.0\\.1:${b},`));
      writeFileSync(config, 'partner:\n  clientToken: T\n');
      const badPort = runTs(CLI, ['start', '--config', config], { PORT: 'eighty' });
      expect(await badPort.exited()).to.equal(2);
      expect(badPort.output()).to.include('rbmkit start: PORT: expected a port number 0-65535, got "eighty"');
    });

    it('shows the offending lines of a YAML or JSON syntax error', async () => {
      const dir = tempDir('rbmkit-syntax-');
      const yaml = join(dir, 'rbmkit.yaml');
      writeFileSync(yaml, 'port: 8080\npartner:\n  clientToken: T\n  plugins: [echo\nagents: {}\n');
      const bad = runTs(CLI, ['start', '--config', yaml]);
      expect(await bad.exited()).to.equal(2);
      expect(bad.output()).to.include(
        `${yaml}: expected YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 5, column 1:\n  4 |   plugins: [echo\n  5 | agents: {}\n    | ^\n`,
      );
      const json = join(dir, 'rbmkit.json');
      writeFileSync(json, '{\n  "partner": { "clientToken": "T", },\n  "port": 8080\n}\n');
      const badJson = runTs(CLI, ['start', '--config', json]);
      expect(await badJson.exited()).to.equal(2);
      expect(badJson.output()).to.match(/expected JSON: .* at line 2, column 36:\n  1 \| \{\n  2 \|   "partner": \{ "clientToken": "T", \},\n    \| {36}\^\n  3 \|   "port": 8080\n/);
    });
  });

  describe('dev', () => {
    it('runs the agents of a config file on PORT, on loopback by default, until SIGTERM', async () => {
      const dir = tempDir('rbmkit-dev-');
      const config = join(dir, 'rbmkit.yaml');
      writeFileSync(config, 'partner:\n  clientToken: { env: DEV_TEST_TOKEN }\n  plugins: [echo]\n');
      const port = await freePort();
      const dev = runTs(CLI, ['dev', '--config', config], { PORT: String(port), HOST: '' });
      try {
        await dev.waitFor(new RegExp(`http://127\\.0\\.0\\.1:${port}`));
        const answer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'hi' }), { token: LOCAL_DEV_TOKEN }));
        expect(answer.status).to.equal(200);
        dev.child.kill('SIGTERM');
        expect(await dev.exited()).to.equal(0);
      } finally {
        await dev.stop();
      }
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
        expect(refused.output()).to.include('401 bad_signature: X-Goog-Signature does not match');
      } finally {
        await bot.close();
      }
    });

    it('says why a push failed: the error message, and each plugin\'s error when the agent shares them', async () => {
      const broken = definePlugin({ name: 'broken', setup: (a) => void a.on('text', () => { throw new Error('the menu API is down'); }) });
      const bot = await startTestBot({ partner: { clientToken: 'SENDTOKEN', plugins: [broken] } });
      try {
        const failed = runTs(CLI, ['send', 'test/fixtures/text.json', '--webhook', `${bot.url}/webhook`, '--token', 'SENDTOKEN']);
        expect(await failed.exited()).to.equal(1);
        expect(failed.output()).to.include('500 plugin_failed: plugins failed: broken; a redelivery will run only those again\n');
        expect(failed.output()).to.include("the agent's log says what each plugin threw");
      } finally {
        await bot.close();
      }
      const body = { error: 'plugin_failed', message: 'plugins failed: greeter', details: { plugins: [{ plugin: 'greeter', error: 'Error: the menu API is down' }] } };
      const agent = createServer((_req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(body)));
      await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
      try {
        const { port } = agent.address() as { port: number };
        const detailed = runTs(CLI, ['send', 'test/fixtures/text.json', '--webhook', `http://127.0.0.1:${port}/webhook`]);
        expect(await detailed.exited()).to.equal(1);
        expect(detailed.output()).to.equal('500 plugin_failed: plugins failed: greeter\n  greeter: Error: the menu API is down\n');
      } finally {
        await new Promise((resolve) => agent.close(resolve));
      }
      const down = runTs(CLI, ['send', 'test/fixtures/text.json', '--webhook', `http://127.0.0.1:${await freePort()}/webhook`]);
      expect(await down.exited()).to.equal(2);
      expect(down.output()).to.match(/rbmkit send: cannot reach http:\/\/127\.0\.0\.1:\d+\/webhook \(ECONNREFUSED\): is the agent running\?/);
    });
  });

  describe('as people expect a CLI', function () {
    this.timeout(60_000);
    const NAMES = ['start', 'dev', 'chat', 'send', 'campaign', 'new', 'dlq', 'testers', 'help'];

    it('prints its version with --version and -v', async () => {
      const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
      for (const flag of ['--version', '-v']) {
        const run = runTs(CLI, [flag]);
        expect(await run.exited()).to.equal(0);
        expect(run.output()).to.equal(`${version}\n`);
      }
    });

    it('lists every command, and shows each one\'s usage with help <command>, --help and -h', async () => {
      for (const list of [[], ['help'], ['--help'], ['-h']].map((args) => runTs(CLI, args))) {
        expect(await list.exited()).to.equal(0);
        expect(list.output()).to.include('usage: rbmkit <command> [options]');
        for (const name of NAMES) expect(list.output()).to.match(new RegExp(`^  ${name} +\\S`, 'm'));
      }
      // In parallel: each run starts node and tsx.
      const runs = NAMES.flatMap((name) => [['help', name], [name, name === 'start' ? '-h' : '--help']].map((args) => ({ name, args, run: runTs(CLI, args) })));
      for (const { name, args, run } of runs) {
        expect(await run.exited(), args.join(' ')).to.equal(0);
        expect(run.output(), args.join(' ')).to.match(new RegExp(`^usage: rbmkit ${name}\\b`));
      }
    });

    it("answers an unknown command, option or argument with the usage and exit code 2", async () => {
      const unknown = runTs(CLI, ['serve']);
      expect(await unknown.exited()).to.equal(2);
      expect(unknown.output()).to.include('rbmkit: unknown command "serve"; expected one of: start, dev, chat, send, campaign, new, dlq, testers, help');
      expect(unknown.output()).to.include('usage: rbmkit <command> [options]');
      const runs = NAMES.map((name) => ({ name, bad: runTs(CLI, [name, '--colour']) }));
      for (const { name, bad } of runs) {
        expect(await bad.exited(), name).to.equal(2);
        expect(bad.output(), name).to.match(new RegExp(`^rbmkit ${name}: unknown option --colour; expected [^\\n]*\\n\\nusage: rbmkit ${name}\\b`));
      }
      const missing = runTs(CLI, ['start', '--config']);
      expect(await missing.exited()).to.equal(2);
      expect(missing.output()).to.include('rbmkit start: option --config expects a value, got none\n\nusage: rbmkit start');
      const stray = runTs(CLI, ['send']);
      expect(await stray.exited()).to.equal(2);
      expect(stray.output()).to.include('rbmkit send: expected one fixture file, got none\n\nusage: rbmkit send <fixture.json>');
    });
  });
});
