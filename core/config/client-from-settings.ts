import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { HttpRbmClient } from '../client/http-rbm-client.js';
import { BUSINESS_COMMUNICATIONS_SCOPE, googleAuth, noAuth } from '../client/rbm-auth.js';
import { isRbmClient, type RbmClient } from '../client/rbm-client.js';
import { ConfigError } from '../errors.js';
import type { AgentClientInput, ClientSettings } from './config-schema.js';

/**
 * Builds the HttpRbmClient that client settings describe: its endpoint (`baseUrl`, `region`),
 * credentials (`default`: Application Default Credentials; `none`; or a service account
 * `keyFile`, a path or `{env: NAME}`, checked to exist now rather than on the first send),
 * `trafficType` and `rateLimits`. `where` prefixes every error (`agents.shop@rbm.goog.client`).
 *
 * @example
 * const client = clientFromSettings({ region: 'europe', credentials: { keyFile: { env: 'SHOP_KEY' } } }, 'agents.shop@rbm.goog.client');
 */
export function clientFromSettings(settings: ClientSettings, where: string, env: NodeJS.ProcessEnv = process.env): HttpRbmClient {
  const credentials = settings.credentials ?? 'default';
  let auth: Pick<NonNullable<ConstructorParameters<typeof HttpRbmClient>[0]>, 'auth' | 'businessCommunicationsAuth'>;
  if (credentials === 'none') auth = { auth: noAuth() };
  else if (credentials === 'default') auth = {};
  else {
    const keyFile = keyFilePath(credentials.keyFile, `${where}.credentials.keyFile`, env);
    auth = { auth: googleAuth({ keyFile }), businessCommunicationsAuth: googleAuth({ keyFile, scopes: [BUSINESS_COMMUNICATIONS_SCOPE] }) };
  }
  try {
    return new HttpRbmClient({
      ...auth,
      ...(settings.baseUrl === undefined ? {} : { baseUrl: settings.baseUrl }),
      ...(settings.region === undefined ? {} : { region: settings.region }),
      ...(settings.trafficType === undefined ? {} : { trafficType: settings.trafficType }),
      ...(settings.rateLimits === undefined ? {} : { rateLimits: settings.rateLimits }),
    });
  } catch (error) {
    if (error instanceof RangeError) throw new ConfigError(`invalid rbmkit config:\n  ${where}.rateLimits: ${error.message}`);
    throw error;
  }
}

/**
 * The client an agent's `client` gives: itself when it is one, else built from its settings.
 *
 * @example
 * const client = agentClient(config.client, 'agents.shop@rbm.goog.client');
 */
export function agentClient(given: AgentClientInput, where: string, env: NodeJS.ProcessEnv = process.env): RbmClient {
  return isRbmClient(given) ? given : clientFromSettings(given as ClientSettings, where, env);
}

function keyFilePath(keyFile: string | { readonly env: string }, where: string, env: NodeJS.ProcessEnv): string {
  let path: string;
  if (typeof keyFile === 'string') path = keyFile;
  else {
    const value = env[keyFile.env]?.trim();
    if (value === undefined || value === '') {
      throw new ConfigError(`invalid rbmkit config:\n  ${where}: expected environment variable ${keyFile.env} to hold the path of a service account key file, got nothing`);
    }
    path = value;
  }
  const absolute = resolve(path);
  if (!existsSync(absolute)) throw new ConfigError(`invalid rbmkit config:\n  ${where}: expected a service account key file at ${absolute}, found none`);
  return absolute;
}
