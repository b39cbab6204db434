import { BM_API_URL, BmClient } from './bm-client.js';
import { LOCAL_DEV_TOKEN } from './client-from-env.js';
import { staticToken } from './rbm-auth.js';

/** The Business Messages client an agent should use, and a sentence saying where its replies go. */
export interface BmClientChoice {
  readonly client: BmClient;
  readonly description: string;
}

/**
 * Picks the Business Messages client from the environment:
 * - `BM_API_URL`: any base URL (the fake BM API, a proxy); default Google's
 *   (`https://businessmessages.googleapis.com`, which no longer answers since BM shut down);
 * - `GOOGLE_APPLICATION_CREDENTIALS`: a service account key, used with the businessmessages
 *   scope; without it every call carries the local development token as its bearer token,
 *   which a local fake accepts.
 *
 * @example
 * const { client, description } = bmClientFromEnv();
 * createBot({ businessMessages: { clientToken: { env: 'BM_CLIENT_TOKEN' }, client } });
 */
export function bmClientFromEnv(env: NodeJS.ProcessEnv = process.env): BmClientChoice {
  const read = (name: string) => (env[name] === '' ? undefined : env[name]);
  const baseUrl = read('BM_API_URL') ?? BM_API_URL;
  const credentials = read('GOOGLE_APPLICATION_CREDENTIALS');
  const client = new BmClient({ baseUrl, ...(credentials === undefined ? { auth: staticToken(LOCAL_DEV_TOKEN) } : {}) });
  return {
    client,
    description: `Business Messages replies go to ${client.baseUrl}${credentials === undefined ? ' with the local development token' : ' with the service account in GOOGLE_APPLICATION_CREDENTIALS'}`,
  };
}
