import { ConfigError } from '../errors.js';
import type { TokenInput, TokenSource } from './config-schema.js';

// Defined by the config schema; re-exported here beside the function that reads them.
export type { TokenInput, TokenSource };

/**
 * Resolves token sources into the list of accepted tokens. Several tokens let a token be
 * rotated without downtime. A missing or empty variable throws, naming it.
 *
 * @example
 * resolveTokens({ env: 'RBM_CLIENT_TOKEN' }, 'partner.clientToken'); // ['SJENCPGJESMGUFPY']
 */
export function resolveTokens(input: TokenInput, field: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const sources = Array.isArray(input) ? input : [input as TokenSource];
  const tokens: string[] = [];
  for (const source of sources) {
    if (typeof source === 'string') {
      tokens.push(source);
      continue;
    }
    const value = env[source.env];
    if (value === undefined || value.trim() === '') {
      throw new ConfigError(`${field}: expected environment variable ${source.env} to hold a clientToken, but it is not set`);
    }
    tokens.push(...value.split(',').map((t) => t.trim()).filter((t) => t !== ''));
  }
  if (tokens.length === 0 || tokens.some((t) => t === '')) {
    throw new ConfigError(`${field}: expected at least one non-empty clientToken`);
  }
  return tokens;
}
