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
  /** The file's `port`, else the default given to `loadConfigFile`, else 8080. */
  readonly port: number;
  /** The file's `host`, else the default given to `loadConfigFile`, else absent (the caller picks). */
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
 * `file: invalid rbmkit config:` then `  field.path: what was expected` per mistake; a
 * syntax error with the lines around it. `defaults` stand in for a `port` or `host` the file
 * does not give (`rbmkit start` passes `PORT` and `HOST`); the port's own default is 8080.
 * Every key: docs/config.md.
 *
 * @example
 * const { bot, port } = loadConfigFile('rbmkit.yaml', firstPartyRegistry());
 * loadConfigFile('rbmkit.yaml', registry, process.env, { port: 3000, host: '127.0.0.1' }).port; // 3000 unless the file says
 */
export function loadConfigFile(
  path: string,
  registry: PluginRegistry,
  env: NodeJS.ProcessEnv = process.env,
  defaults: { readonly port?: number; readonly host?: string } = {},
): FileConfig {
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
    throw new ConfigError(`${path}: expected ${extname(path) === '.json' ? 'JSON' : 'YAML'}: ${describeSyntaxError(error as Error, text)}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${path}: expected a mapping of settings at the top`);
  const { port, host, pluginModules, ...rest } = raw as Record<string, unknown>;
  const server = serverSchema.safeParse({ port, host, pluginModules });
  const bot = botConfigSchema.safeParse({ ...rest, registry });
  if (!server.success || !bot.success) {
    throw configIssuesError([...(server.error?.issues ?? []), ...(bot.error?.issues ?? [])], path);
  }
  const given = server.data.port ?? defaults.port ?? 8080;
  let resolvedPort: number;
  if (typeof given === 'number') resolvedPort = given;
  else {
    const value = Number(env[given.env]);
    if (env[given.env]?.trim() === '' || !Number.isInteger(value) || value < 0 || value > 65535) {
      throw new ConfigError(`${path}: port: expected environment variable ${given.env} to hold a port number, got ${JSON.stringify(env[given.env] ?? null)}`);
    }
    resolvedPort = value;
  }
  const resolvedHost = server.data.host ?? defaults.host;
  const modules = (server.data.pluginModules ?? []).map((module) => resolve(dirname(path), module));
  return { bot: withKeyFilesFrom(dirname(path), bot.data), port: resolvedPort, pluginModules: modules, ...(resolvedHost === undefined ? {} : { host: resolvedHost }) };
}

/**
 * The config with each agent client's literal `keyFile` path made absolute, relative to the
 * config file's folder (a path from `{env: NAME}` is the environment's business: relative to
 * the working folder).
 */
function withKeyFilesFrom(folder: string, bot: ParsedBotConfig): ParsedBotConfig {
  if (bot.agents === undefined) return bot;
  let changed = false;
  const agents = Object.fromEntries(
    Object.entries(bot.agents).map(([agentId, agent]) => {
      const client = agent.client as { credentials?: unknown } | undefined;
      const credentials = client?.credentials as { keyFile?: unknown } | undefined;
      if (typeof credentials !== 'object' || credentials === null || typeof credentials.keyFile !== 'string') return [agentId, agent];
      changed = true;
      return [agentId, { ...agent, client: { ...client, credentials: { keyFile: resolve(folder, credentials.keyFile) } } }];
    }),
  ) as NonNullable<ParsedBotConfig['agents']>;
  return changed ? { ...bot, agents } : bot;
}

/**
 * A YAML or JSON syntax error's first sentence, then the lines around it with a caret under
 * the spot (the yaml package gives `linePos`; JSON.parse a position).
 */
function describeSyntaxError(error: Error & { linePos?: readonly { line: number; col: number }[] }, text: string): string {
  const [first = ''] = error.message.split('\n');
  let spot = error.linePos?.[0];
  const offset = /at position (\d+)/.exec(first);
  if (spot === undefined && offset !== null) {
    const before = text.slice(0, Number(offset[1])).split('\n');
    spot = { line: before.length, col: before.at(-1)!.length + 1 };
  }
  const sentence = first.replace(/ at line \d+, column \d+:?$/, '').replace(/ at position \d+( \(line \d+ column \d+\))?$/, '');
  if (spot === undefined) return sentence;
  return `${sentence} at line ${spot.line}, column ${spot.col}:\n${excerpt(text, spot.line, spot.col)}`;
}

/** Lines line-1 .. line+1 of `text`, numbered, with a caret under `col` of `line`. */
function excerpt(text: string, line: number, col: number): string {
  const lines = text.split(/\r?\n/);
  const last = Math.min(line + 1, lines.length);
  const width = String(last).length;
  const out: string[] = [];
  for (let n = Math.max(1, line - 1); n <= last; n++) {
    if (n === last && n > line && lines[n - 1] === '') break;
    out.push(`  ${String(n).padStart(width)} | ${lines[n - 1] ?? ''}`);
    if (n === line) out.push(`  ${' '.repeat(width)} | ${' '.repeat(Math.max(0, col - 1))}^`);
  }
  return out.join('\n');
}
