import { ConfigError } from '../errors.js';
import type { RbmClient } from '../client/rbm-client.js';
import type { BotConfig, WebhookConfig, WebhookDialect } from './config-schema.js';
import { resolveTokens } from './tokens.js';

/** A webhook after its tokens were resolved. */
export interface ResolvedWebhook {
  readonly path: string;
  readonly tokens: readonly string[];
  /** The agent that owns it; undefined for the partner webhooks (RBM and Business Messages). */
  readonly agentId?: string;
  /** What Google speaks on it; undefined means `rbm`. */
  readonly dialect?: WebhookDialect;
  /** The client its events answer through; undefined: the bot's. */
  readonly client?: RbmClient;
  /** The config field of its path, for errors. */
  readonly field?: string;
}

/**
 * Resolves the webhooks of a validated config (tokens read from the environment): the partner
 * webhook first, then each agent's own. Expects at least one. Two webhooks on one path are
 * refused by the bot's webhook table, not here.
 *
 * @example
 * resolveWebhooks({ partner: { clientToken: 'T' } }); // [{ path: '/webhook', tokens: ['T'] }]
 */
export function resolveWebhooks(config: BotConfig): ResolvedWebhook[] {
  const hooks: ResolvedWebhook[] = [];
  if (config.partner?.clientToken !== undefined) {
    hooks.push({ path: config.partner.path ?? '/webhook', tokens: resolveTokens(config.partner.clientToken, 'partner.clientToken') });
  }
  const bm = config.businessMessages;
  if (bm !== undefined) {
    hooks.push({
      path: bm.path ?? '/bm',
      tokens: resolveTokens(bm.clientToken, 'businessMessages.clientToken'),
      dialect: 'business-messages',
      ...(bm.client === undefined ? {} : { client: bm.client }),
      field: 'businessMessages.path',
    });
  }
  for (const [agentId, agent] of Object.entries(config.agents ?? {})) {
    if (agent.webhook !== undefined) hooks.push(resolveAgentWebhook(agentId, agent.webhook));
  }
  if (hooks.length === 0) {
    throw new ConfigError('expected at least one webhook: partner.clientToken, businessMessages.clientToken, or an agent with webhook {path, clientToken}');
  }
  return hooks;
}

/**
 * Resolves one agent's webhook (its tokens read from the environment).
 *
 * @example
 * resolveAgentWebhook('a@rbm.goog', { path: '/a', clientToken: 'T' }); // { path: '/a', tokens: ['T'], agentId: 'a@rbm.goog' }
 */
export function resolveAgentWebhook(agentId: string, webhook: WebhookConfig): ResolvedWebhook {
  return {
    path: webhook.path,
    tokens: resolveTokens(webhook.clientToken, `agents.${agentId}.webhook.clientToken`),
    agentId,
    ...(webhook.dialect === 'business-messages' ? { dialect: webhook.dialect } : {}),
    ...(webhook.client === undefined ? {} : { client: webhook.client }),
  };
}
