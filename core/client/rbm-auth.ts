import type { GoogleAuth } from 'google-auth-library';

/** The OAuth2 scope of the RBM API. */
export const RBM_SCOPE = 'https://www.googleapis.com/auth/rcsbusinessmessaging';

/** The OAuth2 scope of the Business Communications API (tester invites). */
export const BUSINESS_COMMUNICATIONS_SCOPE = 'https://www.googleapis.com/auth/businesscommunications';

/** The OAuth2 scope of the Business Messages API. */
export const BUSINESS_MESSAGES_SCOPE = 'https://www.googleapis.com/auth/businessmessages';

/**
 * Gives the bearer token for each RBM API call; undefined sends none. A provider that knows
 * the token at once (a fixed one, none) returns it as it is: the call then waits for nothing.
 */
export interface AccessTokenProvider {
  getAccessToken(): string | undefined | Promise<string | undefined>;
}

/**
 * Application Default Credentials through google-auth-library, with the RBM scope: a service
 * account key file named by GOOGLE_APPLICATION_CREDENTIALS (or `keyFile`), or the platform's
 * own identity. google-auth-library caches each token and refreshes it before it expires.
 * Pass `auth` to use a GoogleAuth of your own, `scopes` for another API than RBM's (e.g.
 * {@link BUSINESS_COMMUNICATIONS_SCOPE}).
 *
 * @example
 * new HttpRbmClient({ auth: googleAuth({ keyFile: './service-account.json' }) });
 */
export function googleAuth(options: { keyFile?: string; auth?: GoogleAuth; scopes?: readonly string[] } = {}): AccessTokenProvider & { auth(): Promise<GoogleAuth> } {
  let auth: Promise<GoogleAuth> | undefined;
  const load = (): Promise<GoogleAuth> =>
    (auth ??= options.auth !== undefined
      ? Promise.resolve(options.auth)
      : import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [...(options.scopes ?? [RBM_SCOPE])], keyFile: options.keyFile })));
  return {
    auth: load,
    async getAccessToken() {
      const client = await (await load()).getClient();
      const { token } = await client.getAccessToken();
      if (token === null || token === undefined || token === '') {
        throw new Error(`google-auth-library gave no access token; expected credentials with the ${(options.scopes ?? [RBM_SCOPE]).join(' ')} scope (GOOGLE_APPLICATION_CREDENTIALS)`);
      }
      return token;
    },
  };
}

/**
 * A fixed bearer token, e.g. for a local fake API.
 *
 * @example
 * new HttpRbmClient({ baseUrl: 'http://127.0.0.1:9000', auth: staticToken('dev') });
 */
export function staticToken(token: string): AccessTokenProvider {
  return { getAccessToken: () => token };
}

/**
 * No Authorization header at all, for local fakes.
 *
 * @example
 * new HttpRbmClient({ baseUrl: 'http://127.0.0.1:9000', auth: noAuth() });
 */
export function noAuth(): AccessTokenProvider {
  return { getAccessToken: () => undefined };
}
