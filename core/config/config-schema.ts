import { z } from 'zod';
import type { Logger, LoggerOptions } from 'pino';
import type { DedupeStore } from '../stores/dedupe-store.js';
import { ConfigError } from '../errors.js';
import { isPlugin, isPluginUse, type AnyPlugin, type PluginUse } from '../plugin/define-plugin.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import { resolveTokens, type TokenInput } from './tokens.js';

/** A plugin in a `plugins` list: the plugin, `plugin.with(options)`, or by registered name. */
export type PluginSpec =
  | AnyPlugin
  | PluginUse<any>
  | string
  | { readonly name: string; readonly options?: unknown; readonly as?: string };

/** A webhook: its path on this server and the clientToken(s) configured for it at Google. */
export interface WebhookConfig {
  readonly path: string;
  readonly clientToken: TokenInput;
}

/** One agent. Without `plugins` it gets the partner defaults. */
export interface AgentConfig {
  /** The agent's own webhook, if it has one; otherwise its traffic comes to the partner webhook. */
  readonly webhook?: WebhookConfig;
  /** This agent's plugins: exactly this list (or the defaults plus this list, with `extendDefaults`). */
  readonly plugins?: readonly PluginSpec[];
  /** Keep the partner defaults and add `plugins` after them (a plugin of the same key replaces the default). */
  readonly extendDefaults?: boolean;
}

/** Everything `createBot` takes. Only a webhook is required. */
export interface BotConfig {
  readonly partner?: {
    /** The partner webhook. Default path: `/webhook`. */
    readonly path?: string;
    readonly clientToken?: TokenInput;
    /** Partner-default plugins: every agent without its own list gets these. */
    readonly plugins?: readonly PluginSpec[];
  };
  readonly agents?: Readonly<Record<string, AgentConfig>>;
  /** How an RBM API call is made. Default: an in-memory client (nothing reaches Google). */
  readonly client?: RbmClient;
  readonly logger?: Logger | LoggerOptions | false;
  readonly dedupe?: DedupeStore;
  /** Where `ctx.session` keeps conversation state. Default: in memory. */
  readonly sessions?: SessionStore;
  /** For plugins named in config: which names exist. */
  readonly registry?: PluginRegistry;
  /** A push with a bad or missing signature: `reject` answers 401 (default); `acknowledge` answers 200 and drops it. */
  readonly signaturePolicy?: 'reject' | 'acknowledge';
  /** Largest accepted body, in bytes. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** Time limit of each handler, in ms. Default 10,000. */
  readonly handlerTimeoutMs?: number;
  /** Past this, answer 503 and let handlers finish; the redelivery finds them done. Default 8,000 ms. */
  readonly ackDeadlineMs?: number;
  /** Events accepted and not finished, at most, per process; past it, pushes get 503 + Retry-After. Default 1,000. */
  readonly maxInFlight?: number;
  /** Where Prometheus metrics are served (GET). Default `/metrics`; `false` serves none and counts nothing. */
  readonly metrics?: false | { readonly path?: string };
  /** Liveness and readiness paths (GET). Default `/healthz` and `/readyz`; `false` serves neither. */
  readonly health?: false | { readonly live?: string; readonly ready?: string };
  /** How long `close()` lets running handlers finish before tearing plugins down. Default 25,000 ms. */
  readonly shutdownTimeoutMs?: number;
  /** Timeouts of the server `listen()` starts, against slow clients. */
  readonly server?: {
    /** To receive a request's headers. Default 15,000 ms. */
    readonly headersTimeoutMs?: number;
    /** To receive a whole request. Default 30,000 ms. */
    readonly requestTimeoutMs?: number;
    /** An idle kept-alive connection. Default 65,000 ms (longer than common load balancers' 60 s). */
    readonly keepAliveTimeoutMs?: number;
  };
}

const tokenSource = z.union([z.string().min(1, { error: 'expected a non-empty clientToken' }), z.strictObject({ env: z.string().min(1, { error: 'expected the name of an environment variable' }) })], {
  error: 'expected a clientToken string, {"env": "VARIABLE"}, or a list of them',
});
const tokenInput = z.union([tokenSource, z.array(tokenSource).min(1)], {
  error: 'expected a clientToken string, {"env": "VARIABLE"}, or a non-empty list of them',
});
const path = z.string().regex(/^\/[A-Za-z0-9._~@/-]*$/, { error: 'expected a path starting with "/" made of letters, digits and . _ ~ @ / -' });
const pluginSpec = z.union(
  [
    z.string().min(1),
    z.custom<AnyPlugin>(isPlugin),
    z.custom<PluginUse<any>>(isPluginUse),
    z.strictObject({ name: z.string().min(1), options: z.unknown().optional(), as: z.string().min(1).optional() }),
  ],
  { error: 'expected a plugin, plugin.with(options), a registered plugin name, or {"name", "options"?, "as"?}' },
);
const plugins = z.array(pluginSpec);
const positive = z.number().int().positive();

const schema = z.strictObject({
  partner: z
    .strictObject({ path: path.optional(), clientToken: tokenInput.optional(), plugins: plugins.optional() })
    .optional(),
  agents: z
    .record(
      z.string().min(1, { error: 'expected a non-empty agentId' }),
      z.strictObject({
        webhook: z.strictObject({ path, clientToken: tokenInput }).optional(),
        plugins: plugins.optional(),
        extendDefaults: z.boolean().optional(),
      }),
    )
    .optional(),
  client: z.custom<RbmClient>((v) => typeof v === 'object' && v !== null && 'sendMessage' in v, {
    error: 'expected an RbmClient (sendMessage, sendEvent)',
  }).optional(),
  logger: z.unknown().optional(),
  dedupe: z.custom<DedupeStore>((v) => typeof v === 'object' && v !== null && 'claim' in v, {
    error: 'expected a DedupeStore (claim, complete, release)',
  }).optional(),
  sessions: z.custom<SessionStore>((v) => typeof v === 'object' && v !== null && 'get' in v && 'set' in v, {
    error: 'expected a SessionStore (get, set, delete)',
  }).optional(),
  registry: z.unknown().optional(),
  signaturePolicy: z.enum(['reject', 'acknowledge']).optional(),
  bodyLimit: positive.optional(),
  handlerTimeoutMs: positive.optional(),
  ackDeadlineMs: positive.optional(),
  maxInFlight: positive.optional(),
  metrics: z.union([z.literal(false), z.strictObject({ path: path.optional() })]).optional(),
  health: z.union([z.literal(false), z.strictObject({ live: path.optional(), ready: path.optional() })]).optional(),
  shutdownTimeoutMs: positive.optional(),
  server: z
    .strictObject({ headersTimeoutMs: positive.optional(), requestTimeoutMs: positive.optional(), keepAliveTimeoutMs: positive.optional() })
    .optional(),
});

/**
 * Validates a bot config, throwing one ConfigError that lists every problem as
 * `field.path: what was expected`.
 *
 * @example
 * validateConfig({ partner: { path: 'hook' } }); // ConfigError: partner.path: expected a path starting with "/"…
 */
export function validateConfig(config: unknown): BotConfig {
  const result = schema.safeParse(config);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(config)'}: ${issue.message}`);
    throw new ConfigError(`invalid rbmkit config:\n  ${lines.join('\n  ')}`);
  }
  return config as BotConfig;
}

/** A webhook after its tokens were resolved. */
export interface ResolvedWebhook {
  readonly path: string;
  readonly tokens: readonly string[];
  /** The agent that owns it; undefined for the partner webhook. */
  readonly agentId?: string;
}

/**
 * Resolves the webhooks of a validated config (tokens read from the environment), refusing
 * two webhooks on one path.
 *
 * @example
 * resolveWebhooks({ partner: { clientToken: 'T' } }); // [{ path: '/webhook', tokens: ['T'] }]
 */
export function resolveWebhooks(config: BotConfig): ResolvedWebhook[] {
  const hooks: ResolvedWebhook[] = [];
  if (config.partner?.clientToken !== undefined) {
    hooks.push({ path: config.partner.path ?? '/webhook', tokens: resolveTokens(config.partner.clientToken, 'partner.clientToken') });
  }
  for (const [agentId, agent] of Object.entries(config.agents ?? {})) {
    if (agent.webhook !== undefined) hooks.push(resolveAgentWebhook(agentId, agent.webhook));
  }
  const seen = new Set<string>();
  for (const hook of hooks) {
    if (seen.has(hook.path)) throw new ConfigError(`webhook path "${hook.path}" is used twice; expected one webhook per path`);
    seen.add(hook.path);
  }
  if (hooks.length === 0) {
    throw new ConfigError('expected at least one webhook: partner.clientToken, or an agent with webhook {path, clientToken}');
  }
  return hooks;
}

/**
 * Resolves one agent's webhook.
 *
 * @example
 * resolveAgentWebhook('a@rbm.goog', { path: '/a', clientToken: 'T' });
 */
export function resolveAgentWebhook(agentId: string, webhook: WebhookConfig): ResolvedWebhook {
  return { path: webhook.path, tokens: resolveTokens(webhook.clientToken, `agents.${agentId}.webhook.clientToken`), agentId };
}

/**
 * Turns a `plugins` list into plugin uses, looking names up in the registry and refusing two
 * uses with one key on one agent.
 *
 * @example
 * toPluginUses([echo, 'logging'], registry, 'partner.plugins');
 */
export function toPluginUses(specs: readonly PluginSpec[], registry: PluginRegistry | undefined, field: string): PluginUse[] {
  const uses = specs.map((spec, index): PluginUse => {
    const at = `${field}.${index}`;
    if (isPluginUse(spec)) return spec as PluginUse;
    if (isPlugin(spec)) return spec.with({} as never) as PluginUse;
    if (registry === undefined) {
      throw new ConfigError(`${at}: a plugin named by string needs a plugin registry; expected a plugin value`);
    }
    if (typeof spec === 'string') return registry.get(spec, at).with({} as never) as PluginUse;
    const named = spec as { name: string; options?: unknown; as?: string };
    return registry.get(named.name, at).with((named.options ?? {}) as never, named.as) as PluginUse;
  });
  const keys = new Set<string>();
  for (const use of uses) {
    if (keys.has(use.key)) {
      throw new ConfigError(`${field}: plugin "${use.key}" is listed twice; expected unique names (use plugin.with(options, "other-name"))`);
    }
    keys.add(use.key);
  }
  return uses;
}
