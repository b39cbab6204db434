/** One call of Google's RBM REST API (or the Business Communications API), as {@link RBM_CALLS} lists it. */
export interface RbmCallSpec {
  /** The RbmClient method that makes it. */
  readonly method: string;
  /** The method's page in its API's REST reference: …/reference/rest/v1/<reference>. */
  readonly reference: string;
  /** Whose API: the RBM API (rcsbusinessmessaging.googleapis.com), or the Business Communications API. */
  readonly api: 'rbm' | 'businessCommunications';
  readonly http: 'GET' | 'POST' | 'DELETE';
  /**
   * The path under the API's base URL, as Google documents it. `{phone}` takes a checked
   * E.164 number, which Google's paths carry as is ('+' and all); any other `{name}` is escaped.
   */
  readonly path: string;
  /** Its query parameters, in the order they are sent. */
  readonly query: readonly string[];
  /**
   * Where Google reads the agentId: the query (phones/… methods), or the body where the body
   * is the whole request (gRPC transcoding: a query agentId is not read there).
   */
  readonly agentIdIn: 'query' | 'body';
  /** The rate-limit kind a client paces it under, per agent; omitted, it is not paced. */
  readonly pace?: string;
}

/**
 * Every RBM API call rbmkit makes: one row per HTTP call, from which the HTTP client builds
 * its requests, the fake API routes them, the rate limiter and the config take their kinds, and
 * the forwarding clients learn the methods to forward. A new call is a new row (and the
 * compiler then asks for it wherever it is missing).
 *
 * Paced calls come in the order their rate-limit keys are documented (`batchGet`, `messages`,
 * `events`): that order is the one of {@link RATE_LIMITED_CALLS}, and of the config's keys.
 *
 * @example
 * RBM_CALLS.sendMessage.path; // '/v1/phones/{phone}/agentMessages'
 * RBM_CALLS.batchGetCapabilities.pace; // 'batchGet'
 */
export const RBM_CALLS = {
  batchGetCapabilities: {
    method: 'batchGetCapabilities',
    reference: 'users/batchGet',
    api: 'rbm',
    http: 'POST',
    path: '/v1/users:batchGet',
    query: [],
    agentIdIn: 'body',
    pace: 'batchGet',
  },
  sendMessage: {
    method: 'sendMessage',
    reference: 'phones.agentMessages/create',
    api: 'rbm',
    http: 'POST',
    path: '/v1/phones/{phone}/agentMessages',
    query: ['messageId', 'agentId'],
    agentIdIn: 'query',
    pace: 'messages',
  },
  sendEvent: {
    method: 'sendEvent',
    reference: 'phones.agentEvents/create',
    api: 'rbm',
    http: 'POST',
    path: '/v1/phones/{phone}/agentEvents',
    query: ['eventId', 'agentId'],
    agentIdIn: 'query',
    pace: 'events',
  },
  revokeMessage: {
    method: 'revokeMessage',
    reference: 'phones.agentMessages/delete',
    api: 'rbm',
    http: 'DELETE',
    path: '/v1/phones/{phone}/agentMessages/{messageId}',
    query: ['agentId'],
    agentIdIn: 'query',
  },
  getCapabilities: {
    method: 'getCapabilities',
    reference: 'phones/getCapabilities',
    api: 'rbm',
    http: 'GET',
    path: '/v1/phones/{phone}/capabilities',
    query: ['requestId', 'agentId'],
    agentIdIn: 'query',
  },
  /** A file Google fetches from a URL: the body `{fileUrl, thumbnailUrl?, contentDescription?, agentId}`. */
  uploadFileByUrl: {
    method: 'uploadFile',
    reference: 'files/create',
    api: 'rbm',
    http: 'POST',
    path: '/v1/files',
    query: [],
    agentIdIn: 'body',
  },
  /** A file as bytes, on the upload URI: `multipart/related`, the agentId in its JSON metadata part. */
  uploadFileBytes: {
    method: 'uploadFile',
    reference: 'files/create',
    api: 'rbm',
    http: 'POST',
    path: '/upload/v1/files',
    query: ['uploadType'],
    agentIdIn: 'body',
  },
  inviteTester: {
    method: 'inviteTester',
    reference: 'testers/create',
    api: 'businessCommunications',
    http: 'POST',
    path: '/v1/testers',
    query: [],
    agentIdIn: 'body',
  },
} as const satisfies Readonly<Record<string, RbmCallSpec>>;

/** The name of a row of {@link RBM_CALLS}, e.g. `sendMessage`, `uploadFileBytes`. */
export type RbmCallName = keyof typeof RBM_CALLS;

/** A row of {@link RBM_CALLS}. */
export type RbmCall = (typeof RBM_CALLS)[RbmCallName];

/** The RbmClient methods that call the API: each makes the calls of the rows naming it. */
export type RbmCallMethod = RbmCall['method'];

/** The kinds of RBM API call a client paces, each with a bucket per agent: the `pace` of the rows of {@link RBM_CALLS}. */
export type RateLimitedCall = Extract<RbmCall, { readonly pace: string }>['pace'];

/** The `{name}`s of a path template. */
type Placeholders<Path extends string> = Path extends `${string}{${infer Name}}${infer Rest}` ? Name | Placeholders<Rest> : never;

/** The values of a call's path placeholders, e.g. `{ phone }` for `sendMessage`. */
export type RbmPathParams<C extends RbmCallName> = { readonly [Name in Placeholders<(typeof RBM_CALLS)[C]['path']>]: string };

/** The values of a call's query parameters, e.g. `{ messageId, agentId }` for `sendMessage`. */
export type RbmQuery<C extends RbmCallName> = { readonly [Name in (typeof RBM_CALLS)[C]['query'][number]]: string };

const ROWS: readonly RbmCall[] = Object.values(RBM_CALLS);

/**
 * The RBM call kinds, in the order they are documented, each once.
 *
 * @example
 * RATE_LIMITED_CALLS; // ['batchGet', 'messages', 'events']
 */
export const RATE_LIMITED_CALLS: readonly RateLimitedCall[] = [...new Set(ROWS.flatMap((call) => ('pace' in call ? [call.pace] : [])))];

/**
 * Each call's rate-limit kind, read once from the table (undefined: not paced), for clients
 * that look it up on every call.
 *
 * @example
 * RBM_CALL_PACES.sendMessage; // 'messages'
 * RBM_CALL_PACES.revokeMessage; // undefined
 */
export const RBM_CALL_PACES = Object.fromEntries(Object.entries(RBM_CALLS).map(([name, call]) => [name, 'pace' in call ? call.pace : undefined])) as Readonly<
  Record<RbmCallName, RateLimitedCall | undefined>
>;

/**
 * The RbmClient methods that call the API, each once, in the table's order.
 *
 * @example
 * RBM_CALL_METHODS.includes('uploadFile'); // true
 */
export const RBM_CALL_METHODS: readonly RbmCallMethod[] = [...new Set(ROWS.map((call) => call.method))];

/**
 * Compiles only when `Names` is empty (`never`): where a list must name every call or kind of
 * {@link RBM_CALLS}, the error names the ones it misses (or has too many).
 *
 * @example
 * type Checked = NoneLeft<Exclude<RateLimitedCall, 'batchGet' | 'messages' | 'events'>>; // compiles while those are all the kinds
 */
export type NoneLeft<Names extends never> = Names;
