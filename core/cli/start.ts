import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createBot, clientFromEnv, stopOnSignals, RedisDedupeStore, RedisSessionStore, type Bot, type FileConfig } from 'rbmkit';
import { isPlugin, loadConfigFile, LOCAL_DEV_TOKEN, type PluginRegistry } from 'rbmkit/advanced';
import { firstPartyRegistry } from 'rbmkit/plugins';
import { resolveTokens } from '../config/tokens.js';
import { CLOUD_RUN_SHUTDOWN_MS, onCloudRun } from './cloud-run.js';
import { envPort } from './commands/env-port.js';
import { withBmClientsFromEnv } from './bm-clients-from-env.js';

/**
 * Runs agents from a JSON or YAML config file: registers the first-party plugins and those
 * exported by `pluginModules` (TypeScript ones through the project's tsx), picks the RBM
 * client from the environment, listens, and shuts down cleanly on Ctrl-C or SIGTERM.
 * Without a host in the file or `HOST`, it listens on 127.0.0.1 while a webhook accepts the
 * local development token, else on every interface. On Cloud Run (`K_SERVICE`), shutdown takes
 * handlers get 6 s unless the file sets `shutdownTimeoutMs`, so the process exits within Cloud Run's 10 s; with `REDIS_URL`, the dedupe and session
 * stores are shared through Redis, so several instances handle each event once.
 *
 * @example
 * await runStart('rbmkit.yaml');
 */
export async function runStart(configPath: string, env: NodeJS.ProcessEnv = process.env): Promise<Bot> {
  const registry = firstPartyRegistry();
  // Where to listen when the file does not say: PORT and HOST, as hosting platforms set them.
  const file = loadConfigFile(configPath, registry, env, { port: envPort(env, 'PORT', 8080), ...(env.HOST?.trim() ? { host: env.HOST.trim() } : {}) });
  await loadPluginModules(file, registry, configPath);
  const { client, description } = clientFromEnv(env);
  const bm = withBmClientsFromEnv(file.bot, env);
  // Cloud Run kills the instance 10 s after SIGTERM: shut down within it unless the file says.
  const cloudRun = onCloudRun(env) && bm.config.shutdownTimeoutMs === undefined;
  // Several instances (Cloud Run scales out): dedupe and sessions shared through Redis.
  const redisUrl = env.REDIS_URL?.trim() || undefined;
  const stores = redisUrl === undefined ? {} : { dedupe: new RedisDedupeStore({ url: redisUrl }), sessions: new RedisSessionStore({ url: redisUrl }) };
  const bot = createBot({ client, ...(cloudRun ? { shutdownTimeoutMs: CLOUD_RUN_SHUTDOWN_MS } : {}), ...stores, ...bm.config });
  const devToken = acceptsDevToken(file, env);
  const { url } = await bot.listen(file.port, file.host ?? (devToken ? '127.0.0.1' : undefined));
  stopOnSignals(bot);
  if (devToken && file.host === undefined) bot.log.warn('a webhook accepts the local development token: listening on loopback only (set its clientToken, or HOST, to change that)');
  bot.log.info(`rbmkit listening on ${url}, webhooks: ${bot.webhooks().join(', ')}`);
  if (file.bot.client === undefined) bot.log.info(description);
  if (bm.description !== undefined) bot.log.info(bm.description);
  if (redisUrl !== undefined) bot.log.info('dedupe and sessions are shared through Redis (REDIS_URL)');
  if (cloudRun) bot.log.info(`on Cloud Run (K_SERVICE): shutdownTimeoutMs ${CLOUD_RUN_SHUTDOWN_MS}, within its 10 s between SIGTERM and the kill`);
  return bot;
}

/**
 * Imports each of a config file's `pluginModules` and registers the plugins it exports.
 * A TypeScript module (.ts, .mts, .cts) is loaded through tsx, resolved from the module's
 * project (or the working folder); without tsx, the error says to install it.
 *
 * @example
 * const registry = firstPartyRegistry();
 * const file = loadConfigFile('rbmkit.yaml', registry);
 * await loadPluginModules(file, registry, 'rbmkit.yaml');
 */
export async function loadPluginModules(file: FileConfig, registry: PluginRegistry, configPath: string, importModule: ModuleImporter = importOnce): Promise<void> {
  for (const module of file.pluginModules) {
    const where = `${configPath}: pluginModules: ${module}`;
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(module);
    } catch (error) {
      if (error instanceof PluginModuleError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_UNKNOWN_FILE_EXTENSION') throw new PluginModuleError(`${where}: ${TSX_MISSING}`);
      throw new PluginModuleError(`${where}: cannot load it: ${(error as Error).message}`);
    }
    const plugins = Object.values(exports).filter(isPlugin);
    if (plugins.length === 0) throw new PluginModuleError(`${where}: expected a module exporting a plugin made by definePlugin, got exports: ${Object.keys(exports).join(', ') || 'none'}`);
    registry.register(...plugins);
  }
}

/** Imports a plugin module by its absolute path and resolves with its exports. */
export type ModuleImporter = (module: string) => Promise<Record<string, unknown>>;

/** The plain import: once per process, TypeScript through the project's tsx. */
async function importOnce(module: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.has(extname(module))) await registerTsx(module);
  return (await import(pathToFileURL(module).href)) as Record<string, unknown>;
}

const TYPESCRIPT = new Set(['.ts', '.mts', '.cts']);
const TSX_MISSING = 'is TypeScript; expected the tsx package installed in the project to load it (npm install --save-dev tsx), or a .js module';

/** A plugin module that cannot be loaded or exports no plugin; its message names the module. */
export class PluginModuleError extends Error {}

let tsxRegistered = false;

/**
 * Registers tsx's ESM loader once per process, from the project of `module` (or the working
 * folder). Without tsx, nothing: a process that already loads TypeScript (run under tsx, or a
 * Node that strips types) imports the module all the same, and any other fails with TSX_MISSING.
 */
async function registerTsx(module: string): Promise<void> {
  if (tsxRegistered) return;
  const api = tsxApiUrl(module) ?? tsxApiUrl(join(process.cwd(), 'package.json'));
  if (api === undefined) return;
  const { register } = (await import(api)) as { register: () => unknown };
  register();
  tsxRegistered = true;
}

/**
 * The URL of tsx's ESM API (`tsx/esm/api`) as installed for the file `from`, if it is.
 *
 * @example
 * const api = tsxApiUrl('/app/plugins.ts'); // 'file:///app/node_modules/tsx/dist/esm/api/index.mjs'
 */
export function tsxApiUrl(from: string): string | undefined {
  let manifest: string;
  try {
    manifest = createRequire(from).resolve('tsx/package.json');
  } catch {
    return undefined;
  }
  // require.resolve would give the CommonJS build, whose register() cannot start the ESM loader.
  const { exports, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: Record<string, unknown>; version?: string };
  const entry = exports?.['./esm/api'] as string | { import?: string | { default?: string } } | undefined;
  const target = typeof entry === 'string' ? entry : typeof entry?.import === 'string' ? entry.import : entry?.import?.default;
  if (target === undefined) throw new PluginModuleError(`tsx ${version ?? ''} at ${dirname(manifest)} has no ESM "tsx/esm/api"; expected tsx 4 or later`);
  return pathToFileURL(join(dirname(manifest), target)).href;
}

/** True when a webhook of the file accepts the publicly known local development token. */
function acceptsDevToken(file: FileConfig, env: NodeJS.ProcessEnv): boolean {
  const inputs = [file.bot.partner?.clientToken, file.bot.businessMessages?.clientToken, ...Object.values(file.bot.agents ?? {}).map((agent) => agent.webhook?.clientToken)];
  return inputs.some((input) => input !== undefined && resolveTokens(input, 'clientToken', env).includes(LOCAL_DEV_TOKEN));
}
