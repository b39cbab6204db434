import { LOCAL_DEV_TOKEN } from '../client/client-from-env.js';
import type { ParsedBotConfig, TokenInput } from '../config/config-schema.js';
import { resolveTokens } from '../config/tokens.js';

/** A bot config whose clientTokens are all literal, and the variables that were unset. */
export interface DevTokens {
  readonly config: ParsedBotConfig;
  /** Environment variables named by a clientToken but unset: the local development token stood in. */
  readonly missing: readonly string[];
}

/**
 * Makes every clientToken of a config literal for `rbmkit dev`: a `{"env": NAME}` is read from
 * `env`, and one whose variable is unset becomes LOCAL_DEV_TOKEN, so the dev loop runs with
 * no secret set.
 *
 * @example
 * devTokens({ partner: { clientToken: { env: 'RBM_CLIENT_TOKEN' } } }, {});
 * // { config: { partner: { clientToken: ['local-dev-token'] } }, missing: ['RBM_CLIENT_TOKEN'] }
 */
export function devTokens(config: ParsedBotConfig, env: NodeJS.ProcessEnv): DevTokens {
  const missing = new Set<string>();
  const literal = (input: TokenInput, field: string): string[] => {
    const sources = Array.isArray(input) ? input : [input as TokenInput & (string | { env: string })];
    const filled = sources.map((source) => {
      if (typeof source === 'string') return source;
      const value = env[source.env];
      if (value !== undefined && value.trim() !== '') return source;
      missing.add(source.env);
      return LOCAL_DEV_TOKEN;
    });
    return resolveTokens(filled, field, env);
  };
  const partner = config.partner;
  const agents = config.agents;
  const result: ParsedBotConfig = {
    ...config,
    ...(partner?.clientToken === undefined ? {} : { partner: { ...partner, clientToken: literal(partner.clientToken, 'partner.clientToken') } }),
    ...(agents === undefined
      ? {}
      : {
          agents: Object.fromEntries(
            Object.entries(agents).map(([agentId, agent]) => [
              agentId,
              agent.webhook === undefined
                ? agent
                : { ...agent, webhook: { ...agent.webhook, clientToken: literal(agent.webhook.clientToken, `agents.${agentId}.webhook.clientToken`) } },
            ]),
          ),
        }),
  };
  return { config: result, missing: [...missing] };
}
