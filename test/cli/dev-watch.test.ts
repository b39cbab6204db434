// rbmkit dev --watch: an edit to the config, a plugin module or a file it imports reloads the
// agents; the chat keeps its conversations and sessions; a change that does not load is shown
// and the last good version keeps serving.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runDev, type DevServer, type ReloadResult } from '../../core/cli/dev.js';
import { ROOT } from '../helpers/processes.js';

const plugin = (greetingImport: string) => `import { definePlugin } from 'rbmkit';
import { GREETING } from '${greetingImport}';
export const greeter = definePlugin({
  name: 'greeter',
  setup(agent) {
    agent.on('text', async (event, ctx) => {
      const count = ((await ctx.session.get<number>()) ?? 0) + 1;
      await ctx.session.set(count);
      await ctx.reply(\`\${GREETING} \${event.text} #\${count}\`);
    });
  },
});
`;

describe('rbmkit dev --watch', function () {
  this.timeout(30_000);
  let dir: string;
  let dev: DevServer | undefined;
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  beforeEach(() => {
    // Inside the repository, so the plugin resolves 'rbmkit' as a user's project does.
    dir = mkdtempSync(join(ROOT, 'test', '.watch-'));
    write('rbmkit.yaml', ['pluginModules: [./plugins.ts]', 'partner:', '  path: /webhook', '  clientToken: { env: WATCH_TEST_TOKEN }', '  plugins: [greeter]'].join('\n'));
    write('greeting.ts', "export const GREETING = 'v1';\n");
    write('plugins.ts', plugin('./greeting.ts'));
  });
  afterEach(async () => {
    await dev?.close();
    dev = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a text as the page does; resolves with the webhook's answer status. */
  async function say(text: string): Promise<number> {
    const response = await fetch(`${dev!.url}/_dev/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ agentId: 'cafe@rbm.goog', phone: '+15555550100', action: { type: 'text', text } }),
    });
    expect(response.status).to.equal(200);
    return ((await response.json()) as { outcome: { status: number } }).outcome.status;
  }

  /** The texts the agent sent, as the page's transcript streams them. */
  async function agentTexts(): Promise<string[]> {
    const abort = new AbortController();
    const events = await fetch(`${dev!.url}/_dev/events`, { signal: abort.signal });
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('event: hello')) text += new TextDecoder().decode((await reader.read()).value);
    // The whole transcript so far follows the hello at once; give it a moment to arrive.
    const more = await Promise.race([reader.read(), new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
    if (more !== undefined && more.value !== undefined) text += new TextDecoder().decode(more.value);
    abort.abort();
    return [...text.matchAll(/"kind":"agent-message".*?"text":"([^"]*)"/g)].map((m) => m[1]!);
  }

  function nextReload(): Promise<ReloadResult> {
    return new Promise((resolve) => {
      const stop = dev!.onReload((result) => {
        stop();
        resolve(result);
      });
    });
  }

  it('reloads on an edit to a file a plugin imports, keeping the conversation and its session', async () => {
    dev = await runDev({ config: join(dir, 'rbmkit.yaml'), port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' }, watch: true });
    expect(await say('hi')).to.equal(200);
    const reloaded = nextReload();
    write('greeting.ts', "export const GREETING = 'v2';\n");
    expect(await reloaded).to.deep.equal({ ok: true, generation: 2 });
    expect(await say('again')).to.equal(200);
    expect(await agentTexts()).to.deep.equal(['v1 hi #1', 'v2 again #2']);
  });

  it('shows a syntax error on the page and keeps the last good version serving until the fix loads', async () => {
    dev = await runDev({ config: join(dir, 'rbmkit.yaml'), port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' }, watch: true });
    const abort = new AbortController();
    const events = await fetch(`${dev.url}/_dev/events`, { signal: abort.signal });
    const reader = events.body!.getReader();
    try {
      const failed = nextReload();
      write('plugins.ts', `${plugin('./greeting.ts')}\nexport const broken = (;\n`);
      const result = await failed;
      expect(result.ok).to.equal(false);
      expect(result.ok === false && result.error).to.match(/plugins\.ts/);
      let stream = '';
      while (!stream.includes('event: reload')) stream += new TextDecoder().decode((await reader.read()).value);
      expect(stream).to.match(/"ok":false/);
      expect(stream).to.include('plugins.ts');

      expect(await say('still')).to.equal(200);
      const fixed = nextReload();
      write('plugins.ts', plugin('./greeting.ts').replace('${GREETING} ', '${GREETING}! '));
      expect((await fixed).ok).to.equal(true);
      expect(await say('fixed')).to.equal(200);
      expect(await agentTexts()).to.deep.equal(['v1 still #1', 'v1! fixed #2']);
    } finally {
      abort.abort();
    }
  });

  it('reloads on a config edit: a new agent webhook serves from the next message on', async () => {
    dev = await runDev({ config: join(dir, 'rbmkit.yaml'), port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' }, watch: true });
    const reloaded = nextReload();
    write(
      'rbmkit.yaml',
      ['pluginModules: [./plugins.ts]', 'partner:', '  path: /webhook', '  clientToken: { env: WATCH_TEST_TOKEN }', '  plugins: [greeter]', 'agents:', '  cafe@rbm.goog:', '    webhook: { path: /cafe, clientToken: CAFETOKEN0000001 }', '    plugins: [echo]'].join('\n'),
    );
    expect((await reloaded).ok).to.equal(true);
    const settings = (await (await fetch(`${dev.url}/_dev/settings`)).json()) as { webhooks: Record<string, string> };
    expect(settings.webhooks).to.deep.equal({ 'cafe@rbm.goog': '/cafe' });
    expect(await say('echo me')).to.equal(200);
    expect(await agentTexts()).to.deep.equal(['echo me']);
  });
});
