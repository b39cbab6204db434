import { TRAFFIC_TYPES, type MessageTrafficType } from './agent-message.js';
import { ConfigError } from '../errors.js';
import { HttpRbmClient } from './http-rbm-client.js';
import { googleAuth, noAuth } from './rbm-auth.js';

/**
 * The clientToken the example agents and `rbmkit chat` use when RBM_CLIENT_TOKEN is unset.
 * Publicly known: agents using it listen on loopback only.
 */
export const LOCAL_DEV_TOKEN = 'local-dev-token';

/** Where `rbmkit chat` serves its fake RBM API unless told otherwise. */
export const LOCAL_API_URL = 'http://127.0.0.1:8081';

const REGIONS = ['us', 'europe', 'asia'] as const;

/** The client an agent should use, and a sentence saying where its replies go. */
export interface ClientChoice {
  readonly client: HttpRbmClient;
  /** True when no Google credentials were found and replies go to a local fake API. */
  readonly local: boolean;
  readonly description: string;
}

/**
 * Picks the RBM client from the environment:
 * - `RBM_API_URL`: any base URL (a local fake, a proxy); otherwise Google's endpoint
 *   (`RBM_REGION` = us | europe | asia for a regional one);
 * - `GOOGLE_APPLICATION_CREDENTIALS`: a service account key, used through google-auth-library;
 * - on Google Cloud (Cloud Run, Cloud Functions: `K_SERVICE` is set) without either: Google's
 *   endpoint with the service's own account (Application Default Credentials), no key file;
 * - none of these: local mode, replies go to `rbmkit chat`'s fake API at http://127.0.0.1:8081;
 * - `RBM_TRAFFIC_TYPE`: the default messageTrafficType.
 *
 * @example
 * const { client, description } = clientFromEnv();
 * console.log(description); // 'replies go to the local fake RBM API at http://127.0.0.1:8081 …'
 */
export function clientFromEnv(env: NodeJS.ProcessEnv = process.env): ClientChoice {
  // An empty variable counts as unset.
  const read = (name: string) => (env[name] === '' ? undefined : env[name]);
  const credentials = read('GOOGLE_APPLICATION_CREDENTIALS');
  const apiUrl = read('RBM_API_URL');
  const region = read('RBM_REGION');
  if (region !== undefined && !(REGIONS as readonly string[]).includes(region)) {
    throw new ConfigError(`RBM_REGION: expected one of ${REGIONS.join(', ')}, got ${JSON.stringify(region)}`);
  }
  const trafficType = read('RBM_TRAFFIC_TYPE');
  if (trafficType !== undefined && !(TRAFFIC_TYPES as readonly string[]).includes(trafficType)) {
    throw new ConfigError(`RBM_TRAFFIC_TYPE: expected one of ${TRAFFIC_TYPES.join(', ')}, got ${JSON.stringify(trafficType)}`);
  }
  const shared = { trafficType: trafficType as MessageTrafficType | undefined };
  // On Cloud Run and Cloud Functions the service's own account answers through the metadata server.
  const cloudAccount = apiUrl === undefined && credentials === undefined && read('K_SERVICE') !== undefined;
  const local = apiUrl === undefined && credentials === undefined && !cloudAccount;
  if (local) {
    return {
      client: new HttpRbmClient({ ...shared, baseUrl: LOCAL_API_URL, auth: noAuth(), maxAttempts: 2 }),
      local: true,
      description: `no Google credentials (GOOGLE_APPLICATION_CREDENTIALS): replies go to the local fake RBM API at ${LOCAL_API_URL}, served by \`npm run chat\``,
    };
  }
  const auth = credentials === undefined && !cloudAccount ? noAuth() : googleAuth();
  const client = new HttpRbmClient({ ...shared, auth, ...(apiUrl === undefined ? {} : { baseUrl: apiUrl }), ...(region === undefined ? {} : { region: region as 'us' }) });
  const how = cloudAccount
    ? " with this service's own account (K_SERVICE: Application Default Credentials)"
    : credentials === undefined
      ? ' without credentials'
      : ' with the service account in GOOGLE_APPLICATION_CREDENTIALS';
  return { client, local: false, description: `replies go to ${client.baseUrl}${how}` };
}
