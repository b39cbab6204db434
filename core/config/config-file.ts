import { readFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { botConfigSchema, type ParsedBotConfig } from './config-schema.js';
import { configIssuesError } from './config-issues.js';
import { ConfigError } from '../errors.js';
import type { PluginRegistry } from '../plugin/plugin-registry.js';

/** A config file: the bot config plus where to listen. Secrets come from the environment via `{"env": "NAME"}`. */
export interface FileConfig {
  readonly bot: ParsedBotConfig;
  readonly port: number;
  readonly host?: string;
  /** Modules (absolute paths) whose exported plugins are to be registered before the bot starts. */
  readonly pluginModules: readonly string[];
}

const PORT_ERROR = 'expected a port number 0-65535 or {"env": "PORT"}';

const serverSchema = z.object({
  pluginModules: z.array(z.string().min(1), { error: 'expected a list of module paths, relative to the config file' }).optional(),
  port: z.union([z.number({ error: PORT_ERROR }).int({ error: PORT_ERROR }).min(0, { error: PORT_ERROR }).max(65535, { error: PORT_ERROR }), z.object({ env: z.string() })], { error: PORT_ERROR }).optional(),
  host: z.string().min(1, { error: 'expected a host such as 127.0.0.1 or 0.0.0.0' }).optional(),
});

/**
 * Reads a JSON or YAML config file for `rbmkit start`: `port`, `host`, `pluginModules`, and the bot config
 * (`partner`, `agents`, `signaturePolicy`…), with plugins named from the registry. Every
 * mistake is reported at once, in the format of `validateConfig` prefixed with the file:
 * `file: invalid rbmkit config:` then `  field.path: what was expected` per mistake.
 *
 * @example
 * const { bot, port } = loadConfigFile('rbmkit.yaml', firstPartyRegistry());
 */
export function loadConfigFile(path: string, registry: PluginRegistry, env: NodeJS.ProcessEnv = process.env): FileConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let raw: unknown;
  try {
    raw = extname(path) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: expected ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: expected a mapping of settings at the top`);
  const { port, host, pluginModules, ...rest } = raw as Record<string, unknown>;
  const server = serverSchema.safeParse({ port, host, pluginModules });
  const bot = botConfigSchema.safeParse({ ...rest, registry });
  if (!server.success || !bot.success) {
    throw configIssuesError([...(server.error?.issues ?? []), ...(bot.error?.issues ?? [])], path);
  }
  let resolvedPort = 8080;
  const given = server.data.port;
  if (typeof given === 'number') resolvedPort = given;
  else if (given !== undefined) {
    const value = Number(env[given.env]);
    if (!Number.isInteger(value) || value < 0 || value > 65535) {
      throw new ConfigError(`${path}: port: expected environment variable ${given.env} to hold a port number, got ${JSON.stringify(env[given.env] ?? null)}`);
    }
    resolvedPort = value;
  }
  const modules = (server.data.pluginModules ?? []).map((module) => resolve(dirname(path), module));
  return { bot: bot.data, port: resolvedPort, pluginModules: modules, ...(server.data.host === undefined ? {} : { host: server.data.host }) };
}
