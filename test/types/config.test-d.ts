// Compile-time tests: `npm run typecheck` fails if the config types (inferred from the zod schema) lose what users rely on.
import { expectTypeOf } from 'expect-type';
import { definePlugin, MemoryRbmClient, type AgentConfig, type BotConfig, type PluginSpec, type RbmClient, type WebhookConfig } from 'rbmkit';
import { PluginRegistry, validateConfig } from 'rbmkit/advanced';
import type { ParsedBotConfig } from '../../core/config/config-schema.js';

const echo = definePlugin({ name: 'echo', setup(_agent, _options: { prefix?: string }) {} });

// Readonly arrays (`as const` data, ReadonlyArray values) are accepted everywhere a list is.
const defaults = [echo, echo.with({ prefix: '> ' }, 'echo2'), 'logging', { name: 'keywords', options: { routes: [] }, as: 'kw' }] as const;
const tokens: readonly string[] = ['OLD', 'NEW'];
expectTypeOf({
  partner: { path: '/webhook', clientToken: tokens, plugins: defaults },
  agents: { 'shop@rbm.goog': { webhook: { path: '/shop', clientToken: [{ env: 'SHOP_TOKEN' }] as const }, plugins: [echo], extendDefaults: true } },
  client: new MemoryRbmClient(),
  registry: new PluginRegistry(),
  logger: false,
  signaturePolicy: 'acknowledge',
  metrics: false,
  health: { live: '/live' },
  server: { headersTimeoutMs: 1_000 },
} as const).toExtend<BotConfig>();

// Plugin values, `plugin.with(...)` uses, names and {name, options?, as?} are plugin specs.
expectTypeOf(echo).toExtend<PluginSpec>();
expectTypeOf(echo.with({ prefix: '!' })).toExtend<PluginSpec>();
expectTypeOf('echo').toExtend<PluginSpec>();
expectTypeOf({ name: 'echo' }).toExtend<PluginSpec>();
expectTypeOf({ name: 'echo', options: { prefix: '!' }, as: 'loud' }).toExtend<PluginSpec>();
expectTypeOf<AgentConfig['plugins']>().toEqualTypeOf<readonly PluginSpec[] | undefined>();
expectTypeOf<WebhookConfig>().toHaveProperty('clientToken');

// Custom values keep their real types, not `unknown`.
expectTypeOf<NonNullable<BotConfig['client']>>().toEqualTypeOf<RbmClient>();
expectTypeOf<NonNullable<BotConfig['registry']>>().toEqualTypeOf<PluginRegistry>();
expectTypeOf<BotConfig['signaturePolicy']>().toEqualTypeOf<'reject' | 'acknowledge' | undefined>();

// validateConfig returns the parsed form.
expectTypeOf(validateConfig).returns.toEqualTypeOf<ParsedBotConfig>();
expectTypeOf<ParsedBotConfig>().toExtend<BotConfig>();

// Mistakes do not compile.
// @ts-expect-error: signaturePolicy is 'reject' or 'acknowledge'
const wrongPolicy: BotConfig = { signaturePolicy: 'ignore' };
// @ts-expect-error: a plugin spec is not a number
const wrongPlugin: BotConfig = { partner: { plugins: [5] } };
// @ts-expect-error: a webhook needs its clientToken
const noToken: AgentConfig = { webhook: { path: '/a' } };
// @ts-expect-error: a client must be an RbmClient
const wrongClient: BotConfig = { client: {} };
void [wrongPolicy, wrongPlugin, noToken, wrongClient];

// An agent's client: an RbmClient in code, or client settings; a wrong setting fails to compile.
expectTypeOf({
  agents: {
    'shop@rbm.goog': { client: new MemoryRbmClient() },
    'cafe@rbm.goog': {
      client: { region: 'europe', credentials: { keyFile: { env: 'CAFE_KEY' } }, trafficType: 'TRANSACTION', rateLimits: { messages: { calls: 100, perMs: 1_000 }, batchGet: false, maxWaitMs: 5_000 } },
    },
    'bank@rbm.goog': { client: { baseUrl: 'http://127.0.0.1:9000', credentials: 'none', rateLimits: false } },
  },
} as const).toExtend<BotConfig>();
expectTypeOf({ agents: { 'shop@rbm.goog': { client: { region: 'mars' } } } } as const).not.toExtend<BotConfig>();
expectTypeOf({ agents: { 'shop@rbm.goog': { client: { credentials: 'ambient' } } } } as const).not.toExtend<BotConfig>();
