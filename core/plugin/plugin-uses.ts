import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { PluginSpec } from '../config/config-schema.js';
import { isPlugin, isPluginUse, type PluginUse } from './define-plugin.js';
import type { PluginRegistry } from './plugin-registry.js';

/**
 * Turns a `plugins` list into plugin uses, looking names up in the registry, refusing two
 * uses with one key on one agent, and checking each use's options against its plugin's schema:
 * the uses returned carry the parsed options (defaults applied), which `setup` receives. Every
 * options mistake of the list is reported at once, one line each, as
 * `field.index (key): option.path: what was expected, got what was given`. `field` names the
 * list in error messages.
 *
 * @example
 * toPluginUses([echo, 'logging', { name: 'keywords', options: { routes } }], registry, 'partner.plugins');
 * toPluginUses([echo.with({ kinds: ['sticker'] })], undefined, 'partner.plugins');
 * // ConfigError: invalid rbmkit config:
 * //   partner.plugins.0 (echo): kinds.0: expected one of text, suggestion, location, file, got "sticker"
 */
export function toPluginUses(specs: readonly PluginSpec[], registry: PluginRegistry | undefined, field: string): PluginUse[] {
  const given = specs.map((spec, index): PluginUse => {
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
  for (const use of given) {
    if (keys.has(use.key)) {
      throw new ConfigError(`${field}: plugin "${use.key}" is listed twice; expected unique names (use plugin.with(options, "other-name"))`);
    }
    keys.add(use.key);
  }
  const problems: string[] = [];
  const uses = given.map((use, index) => parsedUse(use, `${field}.${index} (${use.key})`, problems));
  if (problems.length > 0) throw new ConfigError(`invalid rbmkit config:\n  ${problems.join('\n  ')}`);
  return uses;
}

/** The use with its options parsed by the plugin's schema; a mistake adds lines to `problems`. */
function parsedUse(use: PluginUse, at: string, problems: string[]): PluginUse {
  const schema = use.plugin.options;
  if (schema === undefined) return use;
  let result: z.ZodSafeParseResult<unknown>;
  try {
    result = z.safeParse(schema, use.options, { reportInput: true });
  } catch (error) {
    // A refinement that threw, or an async one (options are checked synchronously).
    problems.push(`${at}: checking the options failed: ${error instanceof Error ? error.message : String(error)}`);
    return use;
  }
  if (!result.success) {
    for (const issue of result.error.issues) problems.push(`${at}: ${issueLine(issue)}`);
    return use;
  }
  return { plugin: use.plugin, options: result.data, key: use.key };
}

/** `option.path: message`, with what was given added when the message does not say it. */
function issueLine(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((key) => (typeof key === 'symbol' ? key.toString() : String(key))).join('.');
  let message = issue.message;
  if (saysWhatWasGiven(issue)) message += `, got ${describeInput(issue.input)}`;
  return path === '' ? message : `${path}: ${message}`;
}

/**
 * Whether to add what was given to an issue's message: not when the message says it already,
 * nor for an unknown key (it names itself), nor for a refinement of a whole object or list
 * (the value would be the entire options, and the message names the problem).
 */
function saysWhatWasGiven(issue: z.core.$ZodIssue): boolean {
  if (!('input' in issue) || issue.code === 'unrecognized_keys' || /\b(got|received)\b/.test(issue.message)) return false;
  return !(issue.code === 'custom' && typeof issue.input === 'object' && issue.input !== null);
}

/**
 * A short description of a given value for an error message: JSON for plain data (cut at 80
 * characters), a kind for the rest.
 *
 * @example
 * describeInput('sticker'); // '"sticker"'
 * describeInput(undefined); // 'nothing'
 */
function describeInput(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint' || typeof value === 'symbol') return value.toString();
  if (value instanceof RegExp) return String(value);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
