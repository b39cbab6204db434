import { TRAFFIC_TYPES } from '../client/agent-message.js';
import { RATE_LIMITED_CALLS, type RateLimits } from '../client/call-rate-limiter.js';
import type { FallbackRequest } from '../campaign/campaign-types.js';
import { z } from 'zod';
import type { Logger, LoggerOptions } from 'pino';
import type { DedupeStore } from '../stores/dedupe-store.js';
import { isPlugin, isPluginUse, type AnyPlugin, type PluginUse } from '../plugin/define-plugin.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';
import { isRbmClient, type RbmClient } from '../client/rbm-client.js';
import type { SessionStore } from '../stores/session-store.js';
import type { Queue } from '../queue/queue.js';
import { configIssuesError } from './config-issues.js';

// The schema is the one description of the config: the types below are inferred from it, and a
// doc comment on a property here is what an editor shows when hovering that field.
// `.readonly()` lets users pass `as const` data; custom values (clients, stores, plugins) pass
// through the parse as they are, same object.

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** An object of known keys; a mistake names the keys that would have been valid. */
function settings<S extends z.core.$ZodLooseShape>(shape: S) {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown key ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; expected only: ${keys}`;
      if (issue.code === 'invalid_type') return `expected an object with: ${keys}`;
      return undefined;
    },
  });
}

const ENV = 'expected the name of an environment variable';
const tokenSourceSchema = z.union(
  [
    z.string().min(1, { error: 'expected a non-empty clientToken' }),
    settings({ env: z.string({ error: ENV }).min(1, { error: ENV }) }).readonly(),
  ],
  { error: 'expected a clientToken string, {"env": "VARIABLE"}, or a list of them' },
);
const tokenInputSchema = z.union([tokenSourceSchema, z.array(tokenSourceSchema).min(1, { error: 'expected at least one clientToken' }).readonly()], {
  error: 'expected a clientToken string, {"env": "VARIABLE"}, or a non-empty list of them',
});

const PATH = 'expected a path starting with "/" made of letters, digits and . _ ~ @ / -';
const pathSchema = z.string({ error: PATH }).regex(/^\/[A-Za-z0-9._~@/-]*$/, { error: PATH });

const pluginSpecSchema = z.union(
  [
    z.string().min(1, { error: 'expected a non-empty plugin name' }),
    z.custom<AnyPlugin>(isPlugin),
    z.custom<PluginUse<any>>(isPluginUse),
    settings({
      /** The name the plugin is registered under. */
      name: z.string({ error: 'expected the name of a registered plugin' }).min(1, { error: 'expected the name of a registered plugin' }),
      /** The plugin's options. Default: `{}`. */
      options: z.unknown().optional(),
      /** This use's key, when one agent uses a plugin twice. Default: the plugin's name. */
      as: z.string({ error: 'expected a non-empty key' }).min(1, { error: 'expected a non-empty key' }).optional(),
    }).readonly(),
  ],
  { error: 'expected a plugin, plugin.with(options), a registered plugin name, or {"name", "options"?, "as"?}' },
);
const pluginListSchema = z.array(pluginSpecSchema).readonly();
const POSITIVE = 'expected a positive whole number';
const positive = z.number({ error: POSITIVE }).int({ error: POSITIVE }).positive({ error: POSITIVE });

const CLIENT = 'expected an RbmClient (sendMessage, sendEvent…)';
const clientSchema = z.custom<RbmClient>(isRbmClient, { error: CLIENT });

const RATE = 'expected false, or {"calls", "perMs", "burst"?}';
const rateLimitSchema = z.union(
  [
    z.literal(false),
    settings({
      /** Calls allowed in any window of `perMs`. */
      calls: positive,
      /** The window, in ms (60000: a minute). */
      perMs: positive,
      /** Calls that may go at once after a quiet spell. Default a tenth of `calls` (at least 1). */
      burst: positive.optional(),
    }).readonly(),
  ],
  { error: RATE },
);

const WAIT_MS = 'expected a whole number of ms, 0 or more';
/** A key per kind of paced call (RBM_CALLS' `pace`), documented where RateLimits declares it. */
type RateLimitKeys = { readonly [Kind in keyof Omit<RateLimits, 'maxWaitMs'>]-?: z.ZodOptional<typeof rateLimitSchema> };
const rateLimitsSchema = settings({
  ...(Object.fromEntries(RATE_LIMITED_CALLS.map((kind) => [kind, rateLimitSchema.optional()])) as RateLimitKeys),
  /** Longest wait for a turn, in ms; a call that would wait longer fails at once (retryable). Default 30,000. */
  maxWaitMs: z.number({ error: WAIT_MS }).int({ error: WAIT_MS }).min(0, { error: WAIT_MS }).optional(),
}).readonly();

const KEY_FILE = 'expected the path of a service account key file, or {"env": "VARIABLE"} naming one';

/**
 * An HttpRbmClient described as data (for a config file): where it sends, with whose
 * credentials, how it paces its calls. Built by the bot; see docs/config.md.
 */
export const clientSettingsSchema = settings({
  /** Any base URL (a proxy, a local fake). Default Google's endpoint, or the region's. */
  baseUrl: z.string({ error: 'expected a URL such as https://rcsbusinessmessaging.googleapis.com' }).regex(/^https?:\/\/[^\s/]+/, {
    error: 'expected a URL such as https://rcsbusinessmessaging.googleapis.com',
  }).optional(),
  /** Google's regional endpoint: `us`, `europe` or `asia` (needed for users:batchGet). */
  region: z.enum(['us', 'europe', 'asia'], { error: 'expected "us", "europe" or "asia"' }).optional(),
  /**
   * Whose access tokens: `default` (Application Default Credentials: GOOGLE_APPLICATION_CREDENTIALS
   * or the platform's identity), `none` (no Authorization header: a local fake or a proxy), or
   * `{"keyFile": path | {"env": "VARIABLE"}}`, a service account key of this agent's project. Default `default`.
   */
  credentials: z
    .union(
      [
        z.literal('default'),
        z.literal('none'),
        settings({
          /** The service account key file: a path (relative to the config file), or `{"env": "VARIABLE"}` holding one. */
          keyFile: z.union([z.string().min(1, { error: KEY_FILE }), settings({ env: z.string({ error: ENV }).min(1, { error: ENV }) }).readonly()], { error: KEY_FILE }),
        }).readonly(),
      ],
      { error: 'expected "default", "none", or {"keyFile": path or {"env": "VARIABLE"}}' },
    )
    .optional(),
  /** The messageTrafficType of messages that set none. */
  trafficType: z.enum(TRAFFIC_TYPES, { error: `expected one of ${TRAFFIC_TYPES.join(', ')}` }).optional(),
  /** Pacing per agent; `false` paces nothing. Default: users:batchGet at 600 a minute, nothing else. */
  rateLimits: z
    .union([z.literal(false), rateLimitsSchema], { error: `expected false, or {${[...RATE_LIMITED_CALLS, 'maxWaitMs'].map((key) => `"${key}"?`).join(', ')}}` })
    .optional(),
}).readonly();

/**
 * A client given in code, or described as data: the issues of the description, when it is one,
 * say what is wrong rather than "neither matched".
 */
const clientInputSchema = z.union([clientSchema, clientSettingsSchema], {
  error: (issue) => {
    if (issue.code !== 'invalid_union') return undefined;
    const described = issue.errors[1];
    if (!isObject(issue.input) || described === undefined || described.length === 0) {
      return `${CLIENT}, or client settings {"baseUrl"?, "region"?, "credentials"?, "trafficType"?, "rateLimits"?}`;
    }
    return described.map((inner) => (inner.path.length === 0 ? inner.message : `${inner.path.join('.')}: ${inner.message}`)).join('; ');
  },
});
const DIALECTS = ['rbm', 'business-messages'] as const;
const dialectSchema = z.enum(DIALECTS, { error: 'expected "rbm" or "business-messages"' });

/** The schema of a webhook: its path and the clientToken(s) Google signs its pushes with. */
export const webhookConfigSchema = settings({
  /** The webhook's path on this server, e.g. `/shop`. */
  path: pathSchema,
  /** The clientToken(s) configured for this webhook at Google: literal, `{"env": "NAME"}`, or a list (for rotation). */
  clientToken: tokenInputSchema,
  /** What Google speaks on this webhook: `rbm` (signed Pub/Sub envelopes, default) or `business-messages` (raw signed bodies). */
  dialect: dialectSchema.optional(),
  /** The client this webhook's events answer through (a `BmClient` for Business Messages). Default: the bot's `client`. */
  client: clientSchema.optional(),
}).readonly();

/** The schema of the partner's Business Messages webhook, served beside the RBM partner webhook. */
export const businessMessagesConfigSchema = settings({
  /** Where it is served. Default `/bm`. */
  path: pathSchema.optional(),
  /** The clientToken(s) (and the partner key, for the older signing) it verifies with: literal, `{"env": "NAME"}`, or a list. */
  clientToken: tokenInputSchema,
  /** The client its events answer through, e.g. `new BmClient()`. Default: the bot's `client`. */
  client: clientSchema.optional(),
}).readonly();

/** The schema of one agent's config. */
export const agentConfigSchema = settings({
  /** The agent's own webhook, if it has one; otherwise its traffic comes to the partner webhook. */
  webhook: webhookConfigSchema.optional(),
  /** This agent's plugins: exactly this list (or the defaults plus this list, with `extendDefaults`). */
  plugins: pluginListSchema.optional(),
  /** Keep the partner defaults and add `plugins` after them (a plugin of the same key replaces the default). */
  extendDefaults: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * This agent's own RBM client (its own Google Cloud project, credentials, endpoint, rate
   * limits): an RbmClient in code, or client settings. Default: the bot's `client`.
   */
  client: clientInputSchema.optional(),
}).readonly();

/** The schema of everything `createBot` takes. */
export const botConfigSchema = settings({
  /** The partner webhook, shared by every agent without its own, and the partner-default plugins. */
  partner: settings({
    /** The partner webhook. Default path: `/webhook`. */
    path: pathSchema.optional(),
    /** The partner webhook's clientToken(s): literal, `{"env": "NAME"}`, or a list (for rotation). */
    clientToken: tokenInputSchema.optional(),
    /** Partner-default plugins: every agent without its own list gets these. */
    plugins: pluginListSchema.optional(),
  })
    .readonly()
    .optional(),
  /** Agents by agentId (e.g. `shop@rbm.goog`). An agent not listed gets the partner defaults. */
  agents: z.record(z.string().min(1, { error: 'expected a non-empty agentId' }), agentConfigSchema).readonly().optional(),
  /**
   * The partner's Business Messages webhook, beside the RBM one: serves every BM
   * agent (`brands/B/agents/A`) without its own webhook, with the partner-default plugins.
   */
  businessMessages: businessMessagesConfigSchema.optional(),
  /** How an RBM API call is made. Default: an in-memory client (nothing reaches Google). */
  client: clientSchema.optional(),
  /** The bot's logger: a pino logger, pino options, or `false` for silence. Default: pino at LOG_LEVEL, else `info`. */
  logger: z
    .custom<Logger | LoggerOptions | false>((v) => v === false || isObject(v), { error: 'expected a pino logger, pino options, or false' })
    .optional(),
  /** Where delivered events are remembered, so a redelivery is not handled twice. Default: in memory. */
  dedupe: z.custom<DedupeStore>((v) => isObject(v) && 'claim' in v, { error: 'expected a DedupeStore (claim, complete, release)' }).optional(),
  /** Where `ctx.session` keeps conversation state. Default: in memory. */
  sessions: z
    .custom<SessionStore>((v) => isObject(v) && 'get' in v && 'set' in v, { error: 'expected a SessionStore (get, set, delete)' })
    .optional(),
  /** For plugins named in config: which names exist. */
  registry: z
    .custom<PluginRegistry>((v) => isObject(v) && typeof v.get === 'function' && typeof v.names === 'function', {
      error: 'expected a PluginRegistry',
    })
    .optional(),
  /** A push with a bad or missing signature: `reject` answers 401 (default); `acknowledge` answers 200 and drops it. */
  signaturePolicy: z.enum(['reject', 'acknowledge'], { error: 'expected "reject" or "acknowledge"' }).optional(),
  /** Largest accepted body, in bytes. Default 1 MiB. */
  bodyLimit: positive.optional(),
  /** Bytes of request bodies read and parsed at once, at most; past it, requests get 503 unread. Default 64 MiB. */
  bodyBudgetBytes: positive.optional(),
  /** Opt-in: pushes published longer ago than this (ms) are answered 200 and dropped, counted as rejected `too_old`. Default: off. */
  replayWindowMs: positive.optional(),
  /**
   * A verified push at the partner webhook for an agent that has its own webhook (Google and the
   * config disagree, e.g. mid-migration): `false` handles it as usual, counted, warned once per
   * agent and notified `misrouted`; `true` refuses it with 403 `misrouted`. Default false.
   */
  strictWebhooks: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * A verified push whose data cannot be used (not a UTF-8 JSON object, another agent's id at an
   * agent webhook, no agentId at the partner webhook): `reject` answers 400/403 (Google retries
   * it for days); `deadLetter` answers 200, keeps it in the dead-letter store (the queue's, else
   * memory) and notifies `undeliverable`. Default `reject`.
   */
  undeliverablePolicy: z.enum(['reject', 'deadLetter'], { error: 'expected "reject" or "deadLetter"' }).optional(),
  /** Without a queue: bounds of the in-memory dead-letter store (`bot.deadLetters()`); past either, the oldest are dropped. */
  memoryDeadLetters: settings({
    /** Dead letters kept at once, at most. Default 1,000. */
    maxLetters: positive.optional(),
    /** Bytes kept at once (their JSON), at most. Default 16 MiB. */
    maxBytes: positive.optional(),
  })
    .readonly()
    .optional(),
  /** Agent runtimes kept at once, at most; the least recently used is torn down past it (recreated on its next event). Default 10,000. */
  maxAgentRuntimes: positive.optional(),
  /** An agent runtime idle this long (ms) is torn down, recreated on its next event. Default 600,000 (10 min). */
  agentIdleMs: positive.optional(),
  /** Time limit of each handler, in ms. Default 10,000. */
  handlerTimeoutMs: positive.optional(),
  /** Past this, answer 503 and let handlers finish; the redelivery finds them done. Default 8,000 ms. */
  ackDeadlineMs: positive.optional(),
  /**
   * Serverless (Cloud Functions, Cloud Run with CPU only during requests, Lambda): answer only
   * once every plugin finished or failed, and every notice they caused was delivered, so nothing
   * runs after the answer, when the platform freezes the CPU. No 503 at `ackDeadlineMs`: each
   * handler is still bound by `handlerTimeoutMs`. Default false.
   */
  processBeforeResponse: z.boolean({ error: 'expected true or false' }).optional(),
  /**
   * Where campaign recipients RBM cannot reach go (an SMS) when a campaign names no `fallback`
   * of its own, and in queue-mode workers, which send the campaigns' messages. Default: listed
   * unreachable.
   */
  campaignFallback: z
    .custom<(request: FallbackRequest) => unknown>((value) => typeof value === 'function', { error: 'expected a function ({ recipient, reason, idempotencyKey }) => …' })
    .optional(),
  /** Events accepted and not finished, at most, per process; past it, pushes get 503 + Retry-After. Default 1,000. */
  maxInFlight: positive.optional(),
  /** Where Prometheus metrics are served (GET). Default `/metrics`; `false` serves none and counts nothing. */
  metrics: z
    .union(
      [
        z.literal(false),
        settings({
          path: pathSchema.optional(),
          /** Distinct `agent` label values per metric, at most; later agents are counted as `agent="other"`. Default 500. */
          maxAgentLabels: positive.optional(),
        }).readonly(),
      ],
      { error: 'expected false, or {"path"?: "/metrics"}' },
    )
    .optional(),
  /** Liveness and readiness paths (GET). Default `/healthz` and `/readyz`; `false` serves neither. */
  health: z
    .union([z.literal(false), settings({ live: pathSchema.optional(), ready: pathSchema.optional() }).readonly()], {
      error: 'expected false, or {"live"?: "/healthz", "ready"?: "/readyz"}',
    })
    .optional(),
  /**
   * Dev and tests only: error answers carry which plugin failed and its error message. Never in
   * production: answers would leak internals. Default false.
   */
  exposeErrors: z.boolean({ error: 'expected true or false' }).optional(),
  /** How long `close()` lets running handlers finish before tearing plugins down. Default 25,000 ms. */
  shutdownTimeoutMs: positive.optional(),
  /**
   * Queue mode: the webhook publishes each verified event to this broker and answers 200 once it
   * confirmed; `bot.work()` runs the plugins. Default: none (direct mode, plugins run in the request).
   */
  queue: z
    .custom<Queue>((v) => isObject(v) && typeof v.publish === 'function' && typeof v.consume === 'function', {
      error: 'expected a Queue (publish, consume, ping, close), e.g. new NatsQueue({ url })',
    })
    .optional(),
  /** Queue mode: how a worker retries an event whose plugins failed, before dead-lettering it. */
  queueRetry: settings({
    /** Attempts in all before the dead-letter queue. Default 5. */
    attempts: positive.optional(),
    /** First back-off, doubled each attempt. Default 1,000 ms. */
    backoffMs: positive.optional(),
    /** Longest back-off. Default 60,000 ms. */
    maxBackoffMs: positive.optional(),
  })
    .readonly()
    .optional(),
  /** Timeouts of the server `listen()` starts, against slow clients. */
  server: settings({
    /** To receive a request's headers. Default 15,000 ms. */
    headersTimeoutMs: positive.optional(),
    /** To receive a whole request. Default 30,000 ms. */
    requestTimeoutMs: positive.optional(),
    /** An idle kept-alive connection. Default 65,000 ms (longer than common load balancers' 60 s). */
    keepAliveTimeoutMs: positive.optional(),
  })
    .readonly()
    .optional(),
}).readonly();

/** A clientToken given literally, or read from an environment variable (comma-separated for rotation). */
export type TokenSource = z.input<typeof tokenSourceSchema>;
/** One clientToken source, or several (a token is rotated by accepting old and new for a while). */
export type TokenInput = z.input<typeof tokenInputSchema>;
/** A plugin in a `plugins` list: the plugin, `plugin.with(options)`, or by registered name. */
export type PluginSpec = z.input<typeof pluginSpecSchema>;
/** A webhook: its path on this server and the clientToken(s) configured for it at Google. */
export type WebhookConfig = z.input<typeof webhookConfigSchema>;
/** The partner's Business Messages webhook: path (default `/bm`), clientToken(s), client. */
export type BusinessMessagesConfig = z.input<typeof businessMessagesConfigSchema>;
/** What Google speaks on a webhook. */
export type WebhookDialect = (typeof DIALECTS)[number];
/** One agent. Without `plugins` it gets the partner defaults; without `client`, the bot's client. */
export type AgentConfig = z.input<typeof agentConfigSchema>;
/** An HttpRbmClient described as data: endpoint, credentials, traffic type, rate limits. */
export type ClientSettings = z.output<typeof clientSettingsSchema>;
/** An agent's `client`: an RbmClient, or client settings the bot builds one from. */
export type AgentClientInput = z.input<typeof clientInputSchema>;
/** Everything `createBot` takes. Only a webhook is required. */
export type BotConfig = z.input<typeof botConfigSchema>;
/** A bot config as {@link validateConfig} returns it: new, frozen objects; clients, stores and plugins as given. */
export type ParsedBotConfig = z.output<typeof botConfigSchema>;

/**
 * Validates a bot config and returns the parsed config (new, frozen objects; clients, stores,
 * registry and plugins are the very values given). Throws one ConfigError that lists every
 * problem as `field.path: what was expected`.
 *
 * @example
 * const config = validateConfig({ partner: { clientToken: 'T' } }); // { partner: { clientToken: 'T' } }
 * validateConfig({ partner: { path: 'hook' } }); // ConfigError: invalid rbmkit config:\n  partner.path: expected a path starting with "/"…
 */
export function validateConfig(config: unknown): ParsedBotConfig {
  const result = botConfigSchema.safeParse(config);
  if (!result.success) throw configIssuesError(result.error.issues);
  return result.data;
}
