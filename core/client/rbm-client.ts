import type { AgentEvent, AgentMessage } from './agent-message.js';
import type { RateLimitWait } from './call-rate-limiter.js';

/** One message to send to one user. */
export interface SendMessageRequest {
  readonly agentId: string;
  /** The user's E.164 phone number. */
  readonly phone: string;
  readonly message: AgentMessage;
  /** Reuse the id of a send being retried; omitted, a fresh UUID is made. */
  readonly messageId?: string;
  /** Stops the call waiting for its turn under a rate limit (ctx.reply passes the handler's). */
  readonly signal?: AbortSignal;
}

/** One READ or IS_TYPING event to send to one user. */
export interface SendEventRequest {
  readonly agentId: string;
  readonly phone: string;
  readonly event: AgentEvent;
  readonly eventId?: string;
  /** Stops the call waiting for its turn under a rate limit. */
  readonly signal?: AbortSignal;
}

/**
 * A file for Google to host: uploaded bytes, or a public URL Google fetches. `contentDescription`
 * is the file's description for accessibility (Google's optional field).
 */
export type UploadRequest =
  | { readonly agentId: string; readonly data: Uint8Array; readonly contentType: string; readonly contentDescription?: string }
  | { readonly agentId: string; readonly fileUrl: string; readonly thumbnailUrl?: string; readonly contentDescription?: string };

/** An invitation to test an agent, as the Business Communications API answers it. */
export interface TesterInvite {
  readonly agentId: string;
  /** The invited user's E.164 number. */
  readonly phone: string;
  /** Google's `inviteStatus` (e.g. `PENDING`), when it said one. */
  readonly inviteStatus?: string;
}

/** One HTTP attempt of a client, for metrics and tracing. */
export interface CallRecord {
  readonly method: string;
  /** The API path, phone numbers masked. */
  readonly path: string;
  /** HTTP status, or 0 when no answer came. */
  readonly status: number;
  readonly durationMs: number;
  readonly attempt: number;
}

/** What `users:batchGet` answers. */
export interface BatchCapabilities {
  readonly reachableUsers: readonly string[];
  readonly totalRandomSampleUserCount?: number;
  readonly reachableRandomSampleUserCount?: number;
}

/**
 * How rbmkit talks to the RBM API. Plugins reach it through `ctx.reply`, `ctx.markRead` and
 * `ctx.typing`, or `agent.client` for the rest. Implementations: {@link MemoryRbmClient} for
 * tests and local runs, HttpRbmClient for Google (or a local fake of it, by base URL).
 */
export interface RbmClient {
  /** Sends an AgentMessage; resolves with the messageId used. */
  sendMessage(request: SendMessageRequest): Promise<{ readonly messageId: string }>;
  /** Sends a READ or IS_TYPING event; resolves with the eventId used. */
  sendEvent(request: SendEventRequest): Promise<{ readonly eventId: string }>;
  /** Revokes a message not yet delivered; false when it was already delivered (Google's 404). */
  revokeMessage(request: { agentId: string; phone: string; messageId: string }): Promise<boolean>;
  /** The RBM features the user's device supports; throws UserNotReachableError when it has no RCS. */
  getCapabilities(request: { agentId: string; phone: string }): Promise<readonly string[]>;
  /** Which of many users can get RCS from this agent. `signal` stops a wait for its turn under a rate limit. */
  batchGetCapabilities(request: { agentId: string; phones: readonly string[]; signal?: AbortSignal }): Promise<BatchCapabilities>;
  /** Hands a file to Google; resolves with its name (`files/…`) for `uploadedRbmFile`. */
  uploadFile(request: UploadRequest): Promise<{ readonly name: string }>;
  /**
   * Invites a user to test an unlaunched agent (Business Communications API; 20 a day, 200 in
   * all). Clients that cannot invite omit it.
   *
   * @example
   * await client.inviteTester?.({ agentId: 'shop@rbm.goog', phone: '+12223334444' });
   */
  inviteTester?(request: { agentId: string; phone: string }): Promise<TesterInvite>;
  /**
   * Calls `observer` after every call that reached the network (the bot counts them in its
   * metrics); returns a function that stops it. Clients that make no HTTP calls omit it.
   *
   * @example
   * const stop = client.observe?.((call) => console.log(call.method, call.status));
   */
  observe?(observer: (call: CallRecord) => void): () => void;
  /**
   * Calls `observer` for each call that had to wait for its turn under the client's rate
   * limits (waited, refused, aborted); returns a function that stops it. Clients that do not
   * pace their calls omit it.
   *
   * @example
   * client.observeRateLimit?.((wait) => console.log(wait.kind, wait.outcome));
   */
  observeRateLimit?(observer: (wait: RateLimitWait) => void): () => void;
}

/**
 * True for an RbmClient given in code (rather than settings to build one from): an object
 * with a `sendMessage` method.
 *
 * @example
 * isRbmClient(new MemoryRbmClient()); // true
 * isRbmClient({ region: 'us' }); // false
 */
export function isRbmClient(value: unknown): value is RbmClient {
  return typeof value === 'object' && value !== null && typeof (value as { sendMessage?: unknown }).sendMessage === 'function';
}
