import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { LOCAL_DEV_TOKEN, validateConfig } from 'rbmkit/advanced';
import { outcomeLines } from '../../core/cli/chat.js';
import { runDev } from '../../core/cli/dev.js';
import { agentRoute } from '../../core/dev/agent-webhooks.js';
import { devTokens } from '../../core/dev/dev-tokens.js';
import { parseSendRequest } from '../../core/dev/parse-user-action.js';
import { fileFromUrl, userPayload } from '../../core/dev/user-action.js';
import { webAssetsFolder } from '../../core/dev/web-assets.js';
import { freePort, ROOT, runTs } from '../helpers/processes.js';
import { CAFE_CONFIG } from './browser-kit.js';

/** The status of a POST from another web site (fetch cannot set Origin). */
function crossOriginStatus(url: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://elsewhere.example' } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end('{}');
  });
}

const send = (url: string, body: unknown) =>
  fetch(`${url}/_dev/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('rbmkit dev: the server side of the web chat', function () {
  this.timeout(30_000);

  it('runs the echo example config on one port: page, webhook and fake RBM API, with the local token when RBM_CLIENT_TOKEN is unset', async () => {
    const dev = await runDev({ config: join(ROOT, 'examples/echo-agent/rbmkit.yaml'), port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' } });
    try {
      expect(dev.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
      const page = await fetch(`${dev.url}/`);
      expect(page.status).to.equal(200);
      expect(page.headers.get('content-security-policy')).to.include("default-src 'self'");
      expect(await page.text()).to.include('<title>rbmkit dev chat</title>');
      for (const asset of ['chat.js', 'chat.css', 'icon.svg']) expect((await fetch(`${dev.url}/_dev/${asset}`)).status, asset).to.equal(200);

      const answer = await send(dev.url, { agentId: 'echo-agent@rbm.goog', phone: '+15555550100', action: { type: 'text', text: 'hello' } });
      expect(answer.status).to.equal(200);
      expect(((await answer.json()) as { outcome: { status: number } }).outcome.status).to.equal(200);

      const settings = await (await fetch(`${dev.url}/_dev/settings`)).text();
      expect(JSON.parse(settings)).to.deep.equal({ agents: ['echo-agent@rbm.goog'], phone: '+15555550100', webhooks: {}, partnerWebhook: '/webhook' });
      expect(settings).not.to.include(LOCAL_DEV_TOKEN);
    } finally {
      await dev.close();
    }
  });

  it('streams the transcript (Server-Sent Events): the push, the agent\'s READ and reply, the answer; never a token', async () => {
    const dev = await runDev({ config: CAFE_CONFIG, port: 0, host: '127.0.0.1', env: {} });
    const abort = new AbortController();
    try {
      await send(dev.url, { agentId: 'shop@rbm.goog', phone: '+15555550100', action: { type: 'text', text: 'hi' } });
      const crash = await send(dev.url, { agentId: 'cafe@rbm.goog', phone: '+15555550100', action: { type: 'text', text: 'crash' } });
      expect(((await crash.json()) as { outcome: unknown }).outcome).to.deep.include({
        status: 500,
        error: 'plugin_failed',
        plugins: [{ plugin: 'crasher', error: 'the kitchen is on fire' }],
      });
      const events = await fetch(`${dev.url}/_dev/events`, { signal: abort.signal });
      expect(events.headers.get('content-type')).to.equal('text/event-stream; charset=utf-8');
      const reader = events.body!.getReader();
      let text = '';
      while (!text.includes('plugin_failed')) text += new TextDecoder().decode((await reader.read()).value);
      const kinds = [...text.matchAll(/"kind":"([a-z-]+)"/g)].map((m) => m[1]);
      expect(kinds.slice(0, 4)).to.deep.equal(['user', 'agent-event', 'agent-message', 'outcome']);
      expect(text).to.include('"text":"shop: hi"');
      expect(text).not.to.include('shop-secret');
      expect(text).not.to.include(LOCAL_DEV_TOKEN);
    } finally {
      abort.abort();
      await dev.close();
    }
  });

  it('refuses what the page could not have sent, saying what was expected', async () => {
    const dev = await runDev({ config: CAFE_CONFIG, port: 0, host: '127.0.0.1', env: {} });
    try {
      const bad = await send(dev.url, { agentId: 'cafe@rbm.goog', phone: '5550100', action: { type: 'text', text: 'hi' } });
      expect(bad.status).to.equal(400);
      expect(await bad.json()).to.deep.equal({ error: 'bad_request', message: 'phone: expected an E.164 number such as +15555550100' });
      const plain = await fetch(`${dev.url}/_dev/send`, { method: 'POST', body: '{}' });
      expect(plain.status).to.equal(415);
      expect(await crossOriginStatus(`${dev.url}/_dev/send`)).to.equal(403);
      const nowhere = await fetch(`${dev.url}/nothing`);
      expect(nowhere.status).to.equal(404);
      expect(((await nowhere.json()) as { message: string }).message).to.equal('nothing here; expected the chat page at /, or POST to a webhook: /webhook, /shop');
    } finally {
      await dev.close();
    }
  });

  it('says which port is taken and which to try', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(port, '127.0.0.1', resolve));
    try {
      let error: Error | undefined;
      await runDev({ config: CAFE_CONFIG, port, host: '127.0.0.1', env: {} }).catch((e: Error) => (error = e));
      expect(error?.message).to.equal(`port ${port} is taken; set PORT=${port + 1} (or another free port) and run again, or stop what listens there`);

      const cli = runTs('core/cli/main.ts', ['dev', '--config', CAFE_CONFIG], { PORT: String(port) });
      expect(await cli.exited()).to.not.equal(0);
      expect(cli.output()).to.include(`port ${port} is taken; set PORT=${port + 1}`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('`rbmkit dev` prints the chat page URL and stops on SIGTERM', async () => {
    const cli = runTs('core/cli/main.ts', ['dev', '--config', CAFE_CONFIG], { PORT: '0' });
    try {
      await cli.waitFor(/chat page: http:\/\/127\.0\.0\.1:\d+\//);
      const url = /chat page: (http:\/\/127\.0\.0\.1:\d+)\//.exec(cli.output())![1]!;
      expect((await fetch(`${url}/`)).status).to.equal(200);
    } finally {
      expect(await cli.stop()).to.equal(0);
    }
  });

  it('finds the page files from dist/ too (tsc does not copy them): in the package\'s core/dev/web', () => {
    expect(webAssetsFolder()).to.equal(join(ROOT, 'core/dev/web'));
    expect(webAssetsFolder(pathToFileURL(join(ROOT, 'dist/core/dev/web-assets.js')).href)).to.equal(join(ROOT, 'core/dev/web'));
  });

  it('serves every ES module of the page\'s script as JavaScript, the page under a strict Content-Security-Policy, and no .d.ts', async () => {
    const dev = await runDev({ config: CAFE_CONFIG, port: 0, host: '127.0.0.1', env: {} });
    try {
      const page = await fetch(`${dev.url}/`);
      const policy = page.headers.get('content-security-policy');
      expect(policy).to.equal("default-src 'self'; img-src * data: blob:; media-src * data: blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
      expect(await page.text()).to.include('<script type="module" src="/_dev/chat.js"></script>');
      // Follows the imports from the entry, as the browser does: each module is found, and served as JavaScript.
      const seen = new Set<string>();
      const queue = ['/_dev/chat.js'];
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        if (seen.has(path)) continue;
        seen.add(path);
        const response = await fetch(`${dev.url}${path}`);
        expect(response.status, path).to.equal(200);
        expect(response.headers.get('content-type'), path).to.equal('text/javascript; charset=utf-8');
        expect(response.headers.get('cache-control'), path).to.equal('no-cache');
        expect(response.headers.get('x-content-type-options'), path).to.equal('nosniff');
        for (const [, from] of (await response.text()).matchAll(/^import .* from '(\.[^']+)';$/gm)) queue.push(new URL(from!, `${dev.url}${path}`).pathname);
      }
      const modules = readdirSync(webAssetsFolder(), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.js'));
      expect([...seen].sort()).to.deep.equal(modules.map((name) => `/_dev/${name.split(sep).join('/')}`).sort());
      expect((await fetch(`${dev.url}/_dev/chat/describe-suggestion.d.ts`)).status).to.equal(404);
    } finally {
      await dev.close();
    }
  });

  it('stands the local token in for unset variables only, and routes an agent to its own webhook or the partner\'s', () => {
    const config = validateConfig({
      partner: { clientToken: [{ env: 'UNSET_TOKEN' }, { env: 'SET_TOKEN' }] },
      agents: { 'a@rbm.goog': { webhook: { path: '/a', clientToken: { env: 'A_TOKEN' } } } },
    });
    const { config: dev, missing } = devTokens(config, { SET_TOKEN: 'set-1,set-2' });
    expect(missing).to.deep.equal(['UNSET_TOKEN', 'A_TOKEN']);
    expect(dev.partner?.clientToken).to.deep.equal([LOCAL_DEV_TOKEN, 'set-1', 'set-2']);
    expect(agentRoute(dev, 'a@rbm.goog')).to.deep.equal({ path: '/a', token: LOCAL_DEV_TOKEN });
    expect(agentRoute(dev, 'other@rbm.goog')).to.deep.equal({ path: '/webhook', token: LOCAL_DEV_TOKEN });
    const agentsOnly = devTokens(validateConfig({ agents: { 'a@rbm.goog': { webhook: { path: '/a', clientToken: 'T' } } } }), {}).config;
    expect(() => agentRoute(agentsOnly, 'b@rbm.goog')).to.throw('b@rbm.goog has no webhook of its own and the config has no partner webhook; expected one of these agents: a@rbm.goog');
  });

  it('builds the documents Google pushes for each user action, and checks what the page sends', () => {
    const who = { agentId: 'cafe@rbm.goog', phone: '+15555550100' };
    const tap = userPayload({ type: 'tap', postbackData: 'DIAL', text: 'Call us', kind: 'ACTION' }, who);
    expect(tap.data).to.deep.include({ agentId: 'cafe@rbm.goog', senderPhoneNumber: '+15555550100', suggestionResponse: { postbackData: 'DIAL', text: 'Call us', type: 'ACTION' } });
    expect(tap.id).to.equal(tap.data.messageId);
    const read = userPayload({ type: 'event', eventType: 'READ', messageId: 'm-1' }, who);
    expect(read.data).to.deep.include({ eventType: 'READ', messageId: 'm-1' });
    expect(read.id).to.equal(read.data.eventId);
    expect(userPayload({ type: 'file', url: 'https://x.test/a/report.pdf' }, who).data.userFile).to.deep.equal({
      payload: { mimeType: 'application/pdf', fileSizeBytes: 0, fileUri: 'https://x.test/a/report.pdf', fileName: 'report.pdf' },
    });
    expect(fileFromUrl('https://x.test/p/cat%20photo.JPG?size=2')).to.deep.equal({ fileName: 'cat photo.JPG', mimeType: 'image/jpeg' });

    expect(() => parseSendRequest({ agentId: 'a', phone: '+15555550100', action: { type: 'wave' } })).to.throw('action.type: expected text, tap, location, file or event, got "wave"');
    expect(() => parseSendRequest({ agentId: 'a', phone: '+15555550100', action: { type: 'location', latitude: 91, longitude: 0 } })).to.throw('action.latitude: expected a number from -90 to 90');
    expect(() => parseSendRequest({ agentId: 'a', phone: '+15555550100', action: { type: 'event', eventType: 'READ' } })).to.throw("action.messageId: expected the id of the agent's message READ is about");
  });

  it('prints, in the terminal chat, how a push failed and which plugin failed', () => {
    expect(
      outcomeLines(
        { status: 500, latencyMs: 3, error: 'plugin_failed', message: 'plugins failed: crasher', plugins: [{ plugin: 'crasher', error: 'boom' }] },
        'http://127.0.0.1:8080/webhook',
      ),
    ).to.deep.equal(['  ! the agent answered 500 plugin_failed: plugins failed: crasher', '    plugin crasher failed: boom']);
    expect(outcomeLines({ status: 200, latencyMs: 3 }, 'http://x')).to.deep.equal([]);
  });
});
