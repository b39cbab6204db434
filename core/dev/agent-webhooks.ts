import type { ParsedBotConfig } from '../config/config-schema.js';

/** Where a user's pushes to one agent go, and the token they are signed with. */
export interface AgentRoute {
  /** The webhook's path on the dev server. */
  readonly path: string;
  /** The first clientToken of that webhook. Never shown. */
  readonly token: string;
}

/**
 * Which webhook Google would push an agent's traffic to: the agent's own, else the partner's.
 * Expects a config whose tokens are literal (see devTokens). Throws, naming the webhooks
 * there are, when neither exists.
 *
 * @example
 * agentRoute({ partner: { path: '/webhook', clientToken: ['T'] } }, 'cafe@rbm.goog'); // { path: '/webhook', token: 'T' }
 */
export function agentRoute(config: ParsedBotConfig, agentId: string): AgentRoute {
  const first = (input: unknown): string => {
    const token = Array.isArray(input) ? input[0] : input;
    if (typeof token !== 'string') throw new TypeError('expected literal clientTokens (see devTokens)');
    return token;
  };
  const own = config.agents?.[agentId]?.webhook;
  if (own !== undefined) return { path: own.path, token: first(own.clientToken) };
  const partner = config.partner;
  if (partner?.clientToken !== undefined) return { path: partner.path ?? '/webhook', token: first(partner.clientToken) };
  const agents = Object.keys(config.agents ?? {});
  throw new Error(`${agentId} has no webhook of its own and the config has no partner webhook; expected one of these agents: ${agents.join(', ')}`);
}
