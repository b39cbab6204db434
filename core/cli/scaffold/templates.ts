// The files `rbmkit new` writes, in one place. Plain strings, so nothing is built for users.
// Template literals below hold TypeScript that itself uses template literals: those are escaped.

/** What the templates are filled with. */
export interface ScaffoldInput {
  /** The package name, e.g. `my-agent`. */
  readonly name: string;
  /** The dependency spec of rbmkit, e.g. `^0.1.0` or `file:/abs/rbmkit-0.1.0.tgz`. */
  readonly rbmkit: string;
  /** Version ranges of mocha, chai, tsx, typescript, @types/node, @types/mocha, @types/chai. */
  readonly versions: Readonly<Record<(typeof DEV_DEPENDENCIES)[number], string>>;
}

/** The development dependencies of a new project, at the versions rbmkit itself uses. */
export const DEV_DEPENDENCIES = ['@types/chai', '@types/mocha', '@types/node', 'chai', 'mocha', 'tsx', 'typescript'] as const;

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/**
 * The files of a new agent project, by path relative to its folder.
 *
 * @example
 * scaffoldFiles({ name: 'my-agent', rbmkit: '^0.1.0', versions })['rbmkit.yaml']; // 'pluginModules: …'
 */
export function scaffoldFiles(input: ScaffoldInput): Record<string, string> {
  return {
    'package.json': json({
      name: input.name,
      version: '0.1.0',
      private: true,
      type: 'module',
      scripts: {
        dev: 'rbmkit dev --watch --config rbmkit.yaml',
        start: 'rbmkit start --config rbmkit.yaml',
        test: 'mocha',
        typecheck: 'tsc --noEmit',
      },
      // tsx loads the plugins' TypeScript at run time (`rbmkit start` too): a dependency, not a dev one.
      dependencies: { rbmkit: input.rbmkit, tsx: input.versions.tsx },
      devDependencies: Object.fromEntries(DEV_DEPENDENCIES.filter((name) => name !== 'tsx').map((name) => [name, input.versions[name]])),
    }),
    'tsconfig.json': json({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2022'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        types: ['node', 'mocha'],
        strict: true,
        noUncheckedIndexedAccess: true,
        verbatimModuleSyntax: true,
        isolatedModules: true,
        skipLibCheck: true,
        noEmit: true,
      },
      include: ['plugins', 'test'],
    }),
    '.mocharc.json': json({ 'node-option': ['import=tsx'], spec: ['test/**/*.test.ts'], extension: ['ts'], timeout: 10000 }),
    '.gitignore': 'node_modules/\ndist/\n.env\n*.log\n',
    'rbmkit.yaml': `# What \`npm run dev\` and \`npm start\` run. Every key: node_modules/rbmkit/docs/config.md
pluginModules:
  - ./plugins/greeter.ts
partner:
  path: /webhook
  # The webhook's clientToken, as configured at Google. Unset, npm run dev uses a local one.
  clientToken: { env: RBM_CLIENT_TOKEN }
  plugins: [logging, greeter]
`,
    'plugins/greeter.ts': `import { definePlugin } from 'rbmkit';

/** Answers every text message with a greeting, and marks it read. */
export const greeter = definePlugin({
  name: 'greeter',
  setup(agent) {
    agent.on('text', async (event, ctx) => {
      await ctx.markRead();
      await ctx.reply(\`Hello! You said: \${event.text}\`);
    });
  },
});
`,
    'test/greeter.test.ts': `import { expect } from 'chai';
import { payloads, startTestBot, type TestBot } from 'rbmkit/testing';
import { greeter } from '../plugins/greeter.js';

describe('greeter', () => {
  let bot: TestBot;
  beforeEach(async () => {
    bot = await startTestBot({ partner: { clientToken: 'TEST_TOKEN', plugins: [greeter] } });
  });
  afterEach(() => bot.close());

  it('greets a text message', async () => {
    const answer = await bot.push(payloads.text({ text: 'hi' }));
    expect(answer.status).to.equal(200);
    expect(bot.texts()).to.deep.equal(['Hello! You said: hi']);
  });

  it('leaves other messages alone', async () => {
    const answer = await bot.push(payloads.location({ latitude: 48.8584, longitude: 2.2945 }));
    expect(answer.status).to.equal(200);
    expect(bot.texts()).to.deep.equal([]);
  });
});
`,
    'README.md': `# ${input.name}

An RCS Business Messaging agent made with [rbmkit](https://www.npmjs.com/package/rbmkit).

\`\`\`sh
npm install && npm run dev     # run the agent and chat with it, no Google account needed
npm install && npm test        # run the tests
\`\`\`

- \`plugins/greeter.ts\`: the agent's plugin; add your own beside it and list them in \`rbmkit.yaml\`.
- \`test/greeter.test.ts\`: its test, against a real bot over HTTP (\`rbmkit/testing\`).
- \`rbmkit.yaml\`: which plugins run, and the webhook (keys: \`node_modules/rbmkit/docs/config.md\`).

\`npm start\` runs the agent for Google: set \`RBM_CLIENT_TOKEN\` (the webhook's clientToken),
\`GOOGLE_APPLICATION_CREDENTIALS\` (a service account key) and \`PORT\`. It loads the plugins'
TypeScript through tsx, a dependency of the project, so \`npm ci --omit=dev\` is enough there.
\`npm run typecheck\` checks the types.
`,
  };
}
