import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Command } from './command.js';
import { UsageError } from './usage-error.js';

type Parsed<T extends ParseArgsConfig> = ReturnType<typeof parseArgs<T>>;

/**
 * `parseArgs` in strict mode for one command: an unknown option, a missing value or a stray
 * argument becomes a UsageError naming what the command accepts.
 *
 * @example
 * const { values } = parseOptions(startCommand, args, { options: { config: { type: 'string', default: 'rbmkit.yaml' } } });
 */
export function parseOptions<T extends Omit<ParseArgsConfig, 'args' | 'strict'>>(command: Command, args: readonly string[], config: T): Parsed<T & { strict: true }> {
  try {
    return parseArgs({ ...config, args: [...args], strict: true }) as Parsed<T & { strict: true }>;
  } catch (error) {
    throw new UsageError(command, describeParseError(error as Error & { code?: string }, Object.keys(config.options ?? {})));
  }
}

function describeParseError(error: Error & { code?: string }, known: string[]): string {
  const expected = known.length === 0 ? 'no options' : known.map((name) => `--${name}`).join(', ');
  const unknown = /Unknown option '([^']+)'/.exec(error.message);
  if (unknown !== null) return `unknown option ${unknown[1]}; expected ${expected}`;
  const missing = /Option '(?:-\w, )?(--[^' ]+) <value>' argument missing/.exec(error.message);
  if (missing !== null) return `option ${missing[1]} expects a value, got none`;
  if (error.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const given = /Unexpected argument '([^']*)'/.exec(error.message);
    return `unexpected argument ${given === null ? '' : JSON.stringify(given[1])}; expected only options (${expected})`.replace('  ', ' ');
  }
  // Missing or ambiguous values: node's first sentence says which option and what it takes.
  return error.message.split('. ')[0]!;
}
