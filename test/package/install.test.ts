// rbmkit as a user gets it: `npm pack`, installed from the tarball into an empty project.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { LOCAL_DEV_TOKEN } from 'rbmkit/advanced';
import { FakeRbmApi, payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, ROOT } from '../helpers/processes.js';
import { OFFLINE_FIRST, packedRbmkit, removeTempDirs, run, succeed, tempDir, type Packed } from './packed.js';

const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

describe('the npm package, installed from its tarball into an empty project', function () {
  this.timeout(150_000);
  let packed: Packed;
  let project: string;

  before(async () => {
    packed = await packedRbmkit();
    project = tempDir('rbmkit-user-');
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'an-agent', version: '1.0.0', private: true, type: 'module' }));
    const tsx = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.tsx;
    await succeed('npm', ['install', packed.tarball, `tsx@${tsx}`, ...OFFLINE_FIRST], { cwd: project });
  });
  after(removeTempDirs);

  it('holds the build, the bin with its shebang and executable, and nothing of the repository but the package', () => {
    const paths = packed.files.map((file) => file.path);
    for (const entry of ['dist/core/index.js', 'dist/core/index.d.ts', 'dist/core/advanced.js', 'dist/plugins/index.js', 'dist/core/testing/index.d.ts', 'docs/config.md']) {
      expect(paths).to.include(entry);
    }
    expect(paths.filter((path) => /^(test|examples|bench|\.ci)\//.test(path) || path.endsWith('.test.ts'))).to.deep.equal([]);
    const bin = packed.files.find((file) => file.path === 'dist/core/cli/main.js');
    expect(bin?.mode).to.equal(0o755);
  });

  it('imports rbmkit, rbmkit/plugins, rbmkit/testing and rbmkit/advanced from an ES module, and runs a bot', async () => {
    writeFileSync(
      join(project, 'check.mjs'),
      `import { createBot, definePlugin } from 'rbmkit';
import { EVENT_NAMES, parseEvent } from 'rbmkit/advanced';
import { logging } from 'rbmkit/plugins';
import { payloads, startTestBot } from 'rbmkit/testing';
import { expressHandler, fastifyPlugin, fetchHandler, cloudFunction, nodeHandler, keepRawBody } from 'rbmkit/adapters';
if (typeof createBot !== 'function' || typeof parseEvent !== 'function' || !EVENT_NAMES.includes('text')) throw new Error('missing exports');
if (![expressHandler, fastifyPlugin, fetchHandler, cloudFunction, nodeHandler, keepRawBody].every((f) => typeof f === 'function')) throw new Error('missing adapters');
const hello = definePlugin({ name: 'hello', setup: (agent) => void agent.on('text', (e, ctx) => ctx.reply('hello ' + e.text)) });
const bot = await startTestBot({ partner: { clientToken: 'T', plugins: [logging, hello] } });
const answer = await bot.push(payloads.text({ text: 'you' }));
console.log(answer.status, bot.texts().join());
await bot.close();
`,
    );
    expect(await succeed('node', ['check.mjs'], { cwd: project })).to.equal('200 hello you\n');
  });

  it("publishes types that import no optional backend's or host framework's (ioredis, nats, express, fastify, hono…): a user's type-check never depends on them", () => {
    const dist = join(project, 'node_modules/rbmkit/dist');
    const importing = readdirSync(dist, { recursive: true, encoding: 'utf8' })
      .filter((path) => path.endsWith('.d.ts'))
      .filter((path) => /^\s*(import|export)\b[^\n]*\bfrom\s*['"](ioredis|nats|express|fastify|hono|koa-mount|@google-cloud\/[^'"]*)['"]|\bimport\(\s*['"](ioredis|nats|express|fastify|hono|@google-cloud\/[^'"]*)['"]\s*\)/m.test(readFileSync(join(dist, path), 'utf8')));
    expect(importing).to.deep.equal([]);
  });

  it('type-checks a TypeScript agent under strict with skipLibCheck off', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, skipLibCheck: false, noEmit: true }, files: ['agent.ts'] }),
    );
    writeFileSync(
      join(project, 'agent.ts'),
      `import { createBot, definePlugin, type Bot, type EventOf, type HandlerContext, type NatsQueue, type RedisDedupeStore, type RedisSessionStore } from 'rbmkit';
import { keywords, logging } from 'rbmkit/plugins';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { parseEvent } from 'rbmkit/advanced';
import { cloudFunction, expressHandler, fastifyPlugin, fetchHandler, nodeHandler } from 'rbmkit/adapters';

const greeter = definePlugin({
  name: 'greeter',
  setup(agent) {
    agent.on('text', async (event: EventOf<'text'>, ctx: HandlerContext) => {
      await ctx.reply(\`Hello \${event.text}\`);
    });
  },
});
export const bot: Bot = createBot({ partner: { clientToken: { env: 'RBM_CLIENT_TOKEN' }, plugins: [logging, greeter, keywords.with({ routes: [] })] } });
export const started: Promise<TestBot> = startTestBot({ partner: { clientToken: 'T', plugins: [greeter] } });
export const middleware = bot.middleware({ prefix: '/rbm' });
export const handlers = [expressHandler(bot), fetchHandler(bot, { prefix: '/api' }), cloudFunction(bot), nodeHandler(bot)] as const;
export const plugin = fastifyPlugin(bot);
export const text: string = payloads.text({ text: 'hi' }).text;
export const parse: typeof parseEvent = parseEvent;
export type Backends = [RedisDedupeStore, RedisSessionStore, NatsQueue];
`,
    );
    const { code, output } = await run('node', [TSC, '-p', 'tsconfig.json'], { cwd: project });
    expect(output).to.equal('');
    expect(code).to.equal(0);
  });

  it('answers npx rbmkit --version', async () => {
    // As typed: npx finds the project's own rbmkit (`npx --no rbmkit --version` would be npm's version).
    expect(await succeed('npx', ['rbmkit', '--version'], { cwd: project })).to.equal(`${packed.version}\n`);
    expect(await succeed('npx', ['rbmkit', 'help', 'new'], { cwd: project })).to.include('usage: rbmkit new <folder>');
  });

  it('rbmkit start loads a TypeScript plugin module through the project tsx, on loopback with the development token', async () => {
    mkdirSync(join(project, 'plugins'), { recursive: true });
    writeFileSync(
      join(project, 'plugins/shout.ts'),
      `import { definePlugin } from 'rbmkit';
export const shout = definePlugin({ name: 'shout', setup: (agent) => void agent.on('text', (event, ctx) => ctx.reply(event.text.toUpperCase())) });
`,
    );
    writeFileSync(join(project, 'rbmkit.yaml'), 'pluginModules: [./plugins/shout.ts]\npartner:\n  clientToken: { env: RBM_CLIENT_TOKEN }\n  plugins: [shout]\n');
    const api = await FakeRbmApi.start();
    const port = await freePort();
    const server = spawn(join(project, 'node_modules/.bin/rbmkit'), ['start'], {
      cwd: project,
      env: { ...process.env, PORT: String(port), RBM_CLIENT_TOKEN: LOCAL_DEV_TOKEN, RBM_API_URL: api.url, LOG_FORMAT: 'json' },
    });
    let out = '';
    server.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    server.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => server.on('exit', resolve));
    try {
      for (let i = 0; i < 300 && !out.includes('rbmkit listening') && server.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      expect(out).to.include(`rbmkit listening on http://127.0.0.1:${port}`);
      const answer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'hi' }), { token: LOCAL_DEV_TOKEN }));
      expect(answer.status).to.equal(200);
      expect(api.texts()).to.deep.equal(['HI']);
    } finally {
      server.kill('SIGTERM');
      await exited;
      await api.close();
    }
  });

  it('says to install tsx when a TypeScript plugin module cannot be loaded without it', async () => {
    const elsewhere = tempDir('rbmkit-no-tsx-');
    writeFileSync(join(elsewhere, 'plugin.ts'), 'export const x: number = 1;\n');
    writeFileSync(join(elsewhere, 'rbmkit.yaml'), 'pluginModules: [./plugin.ts]\npartner:\n  clientToken: T\n');
    const { code, output } = await run(join(project, 'node_modules/.bin/rbmkit'), ['start', '--config', join(elsewhere, 'rbmkit.yaml')], { cwd: elsewhere });
    expect(code).to.equal(2);
    expect(output).to.include(`pluginModules: ${join(elsewhere, 'plugin.ts')}: is TypeScript; expected the tsx package installed in the project to load it (npm install --save-dev tsx)`);
  });
});
