import { bmClientFromEnv, type BotConfig } from 'rbmkit';

/**
 * A config file cannot hold a client: gives its Business Messages webhooks (`businessMessages`,
 * and agent webhooks with `dialect: business-messages`) that have none one BmClient from the
 * environment (`BM_API_URL`, `GOOGLE_APPLICATION_CREDENTIALS`). Other webhooks are left as
 * they are. Returns the config and, when a client was given, a sentence saying where BM replies go.
 *
 * @example
 * const { config, description } = withBmClientsFromEnv(file.bot, process.env);
 */
export function withBmClientsFromEnv(config: BotConfig, env: NodeJS.ProcessEnv): { config: BotConfig; description?: string } {
  const bm = config.businessMessages;
  const agents = Object.entries(config.agents ?? {});
  const needs = (bm !== undefined && bm.client === undefined) || agents.some(([, a]) => a.webhook?.dialect === 'business-messages' && a.webhook.client === undefined);
  if (!needs) return { config };
  const { client, description } = bmClientFromEnv(env);
  const withClient = <W extends { client?: unknown }>(hook: W): W => (hook.client === undefined ? { ...hook, client } : hook);
  return {
    config: {
      ...config,
      ...(bm === undefined ? {} : { businessMessages: withClient(bm) }),
      ...(config.agents === undefined
        ? {}
        : {
            agents: Object.fromEntries(
              agents.map(([id, agent]) => [id, agent.webhook?.dialect === 'business-messages' ? { ...agent, webhook: withClient(agent.webhook) } : agent]),
            ),
          }),
    },
    description,
  };
}
