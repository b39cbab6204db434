import { join } from 'node:path';
import { expect } from 'chai';
import { expectTypeOf } from 'expect-type';
import { ConfigError, createBot, definePlugin } from 'rbmkit';
import { loadConfigFile } from 'rbmkit/advanced';
import { echo, firstPartyRegistry, keywords, logging } from 'rbmkit/plugins';
import { payloads, startTestBot } from 'rbmkit/testing';
import { z } from 'zod';
import { ROOT, runTs } from '../helpers/processes.js';

const TOKEN = 'OPTIONSTOKEN0001';
const FIXTURE = join(ROOT, 'test/fixtures/bad-plugin-options.yaml');
const ECHO_LINE = 'partner.plugins.0 (echo): kinds.1: expected one of text, suggestion, location, file, got "sticker"';
const KEYWORDS_LINE = 'partner.plugins.1 (keywords): routes: expected a list of routes, e.g. [{ match: "menu", reply: "..." }], got "menu"';
const LOGGING_LINE = 'partner.plugins.2 (logging): level: expected one of trace, debug, info, warn, error, got "verbose"';

/** The message of what `fn` throws, which must be a ConfigError. */
function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError, got none');
}

const greeter = definePlugin({
  name: 'greeter',
  options: z.strictObject({ greeting: z.string().default('Welcome!'), times: z.number().int().positive().optional() }),
  setup(agent, options) {
    expectTypeOf(options).toEqualTypeOf<{ greeting: string; times?: number | undefined }>();
    agent.on('text', (_event, ctx) => ctx.reply(options.greeting.repeat(options.times ?? 1)));
  },
});

describe('plugin options', () => {
  it('a plugin declares its options as a zod schema: setup receives them parsed, defaults applied, typed from the schema', async () => {
    expectTypeOf(greeter.with).parameter(0).toEqualTypeOf<{ greeting?: string | undefined; times?: number | undefined }>();
    // @ts-expect-error: the options are typed from the schema
    greeter.with({ greeting: 5 });
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [greeter] }, agents: { 'b@rbm.goog': { plugins: [greeter.with({ greeting: 'Hi ', times: 2 })] } } });
    try {
      await t.push(payloads.text({ text: 'x', agentId: 'a@rbm.goog' }));
      await t.push(payloads.text({ text: 'x', agentId: 'b@rbm.goog' }));
      expect(t.texts()).to.deep.equal(['Welcome!', 'Hi Hi ']);
    } finally {
      await t.close();
    }
  });

  it('createBot reports the mistakes of the partner list and of every agent list in one ConfigError', () => {
    const message = configError(() =>
      createBot({
        logger: false,
        partner: { clientToken: TOKEN, plugins: [echo.with({ kinds: ['text', 'sticker' as 'text'] })] },
        agents: { 'shop@rbm.goog': { plugins: [logging.with({ level: 'verbose' as 'info' })] }, 'ok@rbm.goog': { plugins: [echo] } },
      }),
    );
    expect(message).to.equal(
      `invalid rbmkit config:\n  ${ECHO_LINE}\n  agents.shop@rbm.goog.plugins.0 (logging): level: expected one of trace, debug, info, warn, error, got "verbose"`,
    );
  });

  it('createBot refuses bad options of echo, keywords and logging, naming the plugin, where it is used, the field, what was expected and what was given', () => {
    const registry = firstPartyRegistry();
    expect(configError(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [echo.with({ kinds: ['text', 'sticker' as 'text'] })] } }))).to.equal(
      `invalid rbmkit config:\n  ${ECHO_LINE}`,
    );
    // The raw `TypeError: routes.forEach is not a function` on the first push is gone.
    expect(
      configError(() => createBot({ logger: false, registry, agents: { 'shop@rbm.goog': { plugins: ['logging', { name: 'keywords', options: { routes: 'menu' } }] } } })),
    ).to.equal('invalid rbmkit config:\n  agents.shop@rbm.goog.plugins.1 (keywords): routes: expected a list of routes, e.g. [{ match: "menu", reply: "..." }], got "menu"');
    expect(configError(() => createBot({ logger: false, registry, partner: { clientToken: TOKEN, plugins: [{ name: 'logging', options: { level: 'verbose' }, as: 'log' }] } }))).to.equal(
      'invalid rbmkit config:\n  partner.plugins.0 (log): level: expected one of trace, debug, info, warn, error, got "verbose"',
    );
  });

  it('lists every mistake of a list at once, one line each', () => {
    const bad = [echo.with({ kinds: ['text', 'sticker' as 'text'] }), keywords.with({ routes: 'menu' as never }), logging.with({ level: 'verbose' as 'info' })];
    expect(configError(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: bad } }))).to.equal(
      `invalid rbmkit config:\n  ${ECHO_LINE}\n  ${KEYWORDS_LINE}\n  ${LOGGING_LINE}`,
    );
  });

  it('refuses keywords routes that setup would refuse, when the bot is created', () => {
    const routes = [{ match: 'menu', reply: 'a' }, { match: 'MENU', reply: 'b' }, { pattern: '(', reply: 'c' }];
    expect(configError(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [keywords.with({ routes: routes.slice(0, 2) })] } }))).to.include(
      'partner.plugins.0 (keywords): routes.1.match: "MENU" is already matched by routes.0; expected each word or phrase once',
    );
    expect(configError(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [keywords.with({ routes: routes.slice(2) })] } }))).to.include(
      'partner.plugins.0 (keywords): routes.0.pattern: expected a valid regular expression',
    );
    const shapes = [{ match: 'menu' }, { match: 'a', postback: 'A', reply: 'x', replay: 'typo' }] as never;
    expect(configError(() => createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [keywords.with({ routes: shapes })] } }))).to.equal(
      'invalid rbmkit config:\n' +
        '  partner.plugins.0 (keywords): routes.0: expected "reply" (a text or message, with optional "chips") or "handle" (a function), got neither\n' +
        '  partner.plugins.0 (keywords): routes.1: unknown key "replay"; expected only: match, pattern, fold, postback, reply, chips, handle, overridesOptOut\n' +
        '  partner.plugins.0 (keywords): routes.1: expected one of "match" (words or phrases), "pattern" (a regular expression) or "postback", got "match" and "postback"',
    );
  });

  it('bot.agents.set and setDefaults refuse bad options and leave everything as it was', async () => {
    const bot = createBot({ logger: false, partner: { clientToken: TOKEN, plugins: [echo] }, agents: { 'shop@rbm.goog': { plugins: [logging] } } });
    try {
      expect(configError(() => bot.agents.set('shop@rbm.goog', { plugins: [logging, echo.with({ markRead: 'no' as never })] }))).to.equal(
        'invalid rbmkit config:\n  agents.shop@rbm.goog.plugins.1 (echo): markRead: expected true or false, got "no"',
      );
      expect(configError(() => bot.agents.setDefaults([greeter.with({ times: 0 })]))).to.match(/^invalid rbmkit config:\n {2}partner\.plugins\.0 \(greeter\): times: .*, got 0$/);
      expect(bot.agents.pluginsOf('shop@rbm.goog')).to.deep.equal(['logging']);
      expect(bot.agents.pluginsOf('other@rbm.goog')).to.deep.equal(['echo']);
    } finally {
      await bot.close();
    }
  });

  it('hands a plugin without a schema its options as given, and reports a schema that throws as a ConfigError', async () => {
    let seen: unknown;
    const given = { anything: [1, 2] };
    const loose = definePlugin<{ anything: number[] }>({ name: 'loose', setup: (_agent, options) => void (seen = options) });
    const t = await startTestBot({ partner: { clientToken: TOKEN, plugins: [loose.with(given)] } });
    try {
      await t.push(payloads.text({ text: 'x' }));
      expect(seen).to.equal(given);
    } finally {
      await t.close();
    }
    const throwing = definePlugin({
      name: 'throwing',
      options: z.object({}).superRefine(() => {
        throw new Error('the check itself broke');
      }),
      setup() {},
    });
    expect(configError(() => createBot({ logger: false, partner: { plugins: [throwing] } }))).to.equal(
      'invalid rbmkit config:\n  partner.plugins.0 (throwing): checking the options failed: the check itself broke',
    );
  });

  it('definePlugin refuses options that are not a zod schema', () => {
    expect(() => definePlugin({ name: 'odd', options: { prefix: 'string' } as never, setup() {} })).to.throw(
      TypeError,
      'definePlugin(odd): expected "options" to be a zod 4 schema, e.g. z.object({ … }), got an object that is not a zod schema',
    );
  });

  describe('a config file with bad plugin options (test/fixtures/bad-plugin-options.yaml)', function () {
    this.timeout(30_000);

    it('loadConfigFile then createBot, as rbmkit start does: refused, naming each problem', () => {
      const file = loadConfigFile(FIXTURE, firstPartyRegistry());
      expect(configError(() => createBot({ ...file.bot, logger: false }))).to.equal(`invalid rbmkit config:\n  ${ECHO_LINE}\n  ${KEYWORDS_LINE}\n  ${LOGGING_LINE}`);
    });

    it('rbmkit start exits non-zero naming each problem, and never listens', async () => {
      const server = runTs('core/cli/main.ts', ['start', '--config', FIXTURE]);
      const code = await Promise.race([server.exited(), new Promise<'running'>((r) => setTimeout(() => r('running'), 20_000))]);
      if (code === 'running') await server.stop();
      expect(code, server.output()).to.be.a('number').and.not.equal(0);
      for (const line of [ECHO_LINE, KEYWORDS_LINE, LOGGING_LINE]) expect(server.output()).to.include(line);
      expect(server.output()).not.to.include('listening');
    });
  });
});
