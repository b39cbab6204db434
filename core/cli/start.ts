import { pathToFileURL } from 'node:url';
import { createBot, isPlugin, loadConfigFile, clientFromEnv, stopOnSignals, type Bot } from 'rbmkit';
import { firstPartyRegistry } from 'rbmkit/plugins';

/**
 * Runs agents from a JSON or YAML config file: registers the first-party plugins and those
 * exported by `pluginModules`, picks the RBM client from the environment, listens, and shuts
 * down cleanly on Ctrl-C or SIGTERM.
 *
 * @example
 * await runStart('rbmkit.yaml');
 */
export async function runStart(configPath: string, env: NodeJS.ProcessEnv = process.env): Promise<Bot> {
  const registry = firstPartyRegistry();
  const file = loadConfigFile(configPath, registry, env);
  for (const module of file.pluginModules) {
    let exports: Record<string, unknown>;
    try {
      exports = (await import(pathToFileURL(module).href)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${configPath}: pluginModules: cannot load ${module}: ${(error as Error).message}`);
    }
    const plugins = Object.values(exports).filter(isPlugin);
    if (plugins.length === 0) throw new Error(`${configPath}: pluginModules: ${module} exports no plugin made by definePlugin`);
    registry.register(...plugins);
  }
  const { client, description } = clientFromEnv(env);
  const bot = createBot({ client, ...file.bot });
  const { url } = await bot.listen(file.port, file.host);
  stopOnSignals(bot);
  bot.log.info(`rbmkit listening on ${url}, webhooks: ${bot.webhooks().join(', ')}`);
  if (file.bot.client === undefined) bot.log.info(description);
  return bot;
}
