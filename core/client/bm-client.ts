import { randomUUID } from 'node:crypto';
import type { Dispatcher as UndiciDispatcher } from 'undici';
import { ApiCaller } from './api-caller.js';
import { toBmMessage, type BmRepresentative } from './bm-message.js';
import { checkMessage } from './message-limits.js';
import { BUSINESS_MESSAGES_SCOPE, googleAuth, type AccessTokenProvider } from './rbm-auth.js';
import { InvalidRequestError } from './rbm-api-errors.js';
import { maskPhonesIn } from './phone.js';
import type { BatchCapabilities, CallRecord, RbmClient, SendEventRequest, SendMessageRequest } from './rbm-client.js';

/** Google's Business Messages endpoint (the API no longer answers: a local fake is its only peer). */
export const BM_API_URL = 'https://businessmessages.googleapis.com';

export interface BmClientOptions {
  /** Any base URL, e.g. a local fake on loopback. Default Google's. */
  readonly baseUrl?: string;
  /** Bearer tokens. Default: Application Default Credentials with the businessmessages scope. */
  readonly auth?: AccessTokenProvider;
  /** Who messages and typing come from. Default `{ representativeType: 'BOT' }`. */
  readonly representative?: BmRepresentative;
  /** Time limit of each HTTP attempt, in ms. Default 10,000. */
  readonly timeoutMs?: number;
  /** Attempts per call for 429, 5xx and network failures. Default 5. */
  readonly maxAttempts?: number;
  /** Back-off: first delay and cap, in ms. Default 200 and 10,000. */
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly maxRetryAfterMs?: number;
  readonly dispatcher?: UndiciDispatcher;
}

/** A conversation id goes into the path: refused when it could leave its segment. */
function checkConversation(conversationId: string): string {
  if (typeof conversationId !== 'string' || !/^[A-Za-z0-9._~-]{1,1000}$/.test(conversationId)) {
    throw new InvalidRequestError(
      `conversationId: expected a Business Messages conversation id (letters, digits, . _ ~ -), got ${JSON.stringify(String(conversationId).slice(0, 40))}`,
      0,
      'INVALID_CONVERSATION',
    );
  }
  return conversationId;
}

function unsupported(what: string): InvalidRequestError {
  return new InvalidRequestError(`${what}: Business Messages has no such call; expected it only on the RBM client`, 0, 'UNSUPPORTED_BY_BUSINESS_MESSAGES');
}

/**
 * The Business Messages API behind the RbmClient interface, so `ctx.reply`,
 * `ctx.markRead` and `ctx.typing` answer BM users unchanged: the request's `phone` is the
 * conversation id, `agentId` is not sent (BM addresses the conversation alone). Messages go to
 * `POST /v1/conversations/{id}/messages` with the messageId (a fresh UUID, the same on every
 * retry) and the representative in the body; READ is
 * `PATCH /v1/conversations/{id}/messages/{messageId}/receipt`; IS_TYPING is
 * `POST /v1/conversations/{id}/events?eventId=` with TYPING_STARTED. Calls BM lacks
 * (capabilities, files, revoke, testers) reject with an InvalidRequestError.
 *
 * @example
 * const client = new BmClient({ representative: { representativeType: 'BOT', displayName: 'Cafe bot' } });
 * await client.sendMessage({ agentId: 'brands/b/agents/a', phone: conversationId, message: messages.text('Hi') });
 */
export class BmClient implements RbmClient {
  readonly baseUrl: string;
  private readonly representative: BmRepresentative;
  private readonly caller: ApiCaller;

  constructor(options: BmClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? BM_API_URL).replace(/\/+$/, '');
    this.representative = options.representative ?? { representativeType: 'BOT' };
    this.caller = new ApiCaller({
      baseUrl: this.baseUrl,
      auth: options.auth ?? googleAuth({ scopes: [BUSINESS_MESSAGES_SCOPE] }),
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      maxRetryAfterMs: options.maxRetryAfterMs,
      dispatcher: options.dispatcher,
      apiName: 'Business Messages API',
      maskPath: (path) => path.replace(/\/conversations\/[^/]+/, '/conversations/*').replace(/\/messages\/[^/]+/, '/messages/*'),
      // Google's messages name the conversation ("Conversation C1 not found."): the user's address, kept out of logs.
      maskText: (text, path) => {
        const id = /^\/v1\/conversations\/([^/]+)/.exec(path)?.[1];
        const masked = maskPhonesIn(text);
        return id === undefined || id === '' ? masked : masked.split(id).join('*');
      },
    });
  }

  /**
   * Calls `observer` after every HTTP attempt; returns a function that stops it.
   *
   * @example
   * client.observe((call) => console.log(call.method, call.path, call.status));
   */
  observe(observer: (call: CallRecord) => void): () => void {
    return this.caller.observe(observer);
  }

  /**
   * Sends a message: `POST /v1/conversations/{phone}/messages`, body with messageId and representative.
   *
   * @example
   * const { messageId } = await client.sendMessage({ agentId: '', phone: 'CONVERSATION_ID', message: { contentMessage: { text: 'Hi' } } });
   */
  async sendMessage({ phone, message, messageId }: SendMessageRequest): Promise<{ messageId: string }> {
    const conversation = checkConversation(phone);
    checkMessage(message);
    const id = messageId ?? randomUUID();
    const json = toBmMessage(message, id, this.representative);
    await this.caller.call({ method: 'POST', path: `/v1/conversations/${conversation}/messages`, query: {}, json });
    return { messageId: id };
  }

  /**
   * READ: `PATCH /v1/conversations/{id}/messages/{messageId}/receipt` `{receiptType: "READ"}`;
   * IS_TYPING: `POST /v1/conversations/{id}/events?eventId=` `{eventType: "TYPING_STARTED", representative}`.
   *
   * @example
   * await client.sendEvent({ agentId: '', phone: 'CONVERSATION_ID', event: { eventType: 'READ', messageId: 'M1' } });
   */
  async sendEvent({ phone, event, eventId }: SendEventRequest): Promise<{ eventId: string }> {
    const conversation = checkConversation(phone);
    const id = eventId ?? randomUUID();
    if (event.eventType === 'READ') {
      const path = `/v1/conversations/${conversation}/messages/${encodeURIComponent(event.messageId)}/receipt`;
      await this.caller.call({ method: 'PATCH', path, query: {}, json: { receiptType: 'READ' } });
    } else {
      const json = { eventType: 'TYPING_STARTED', representative: this.representative };
      await this.caller.call({ method: 'POST', path: `/v1/conversations/${conversation}/events`, query: { eventId: id }, json });
    }
    return { eventId: id };
  }

  /** Business Messages cannot revoke a message: rejects. */
  async revokeMessage(): Promise<boolean> {
    throw unsupported('revokeMessage');
  }

  /** Business Messages has no capability check: rejects. */
  async getCapabilities(): Promise<readonly string[]> {
    throw unsupported('getCapabilities');
  }

  /** Business Messages has no bulk capability check: rejects. */
  async batchGetCapabilities(): Promise<BatchCapabilities> {
    throw unsupported('batchGetCapabilities');
  }

  /** Business Messages takes images by URL in the message (`contentInfo`), not uploads: rejects. */
  async uploadFile(): Promise<{ name: string }> {
    throw unsupported('uploadFile (send an image by URL instead: messages.file(url), i.e. contentInfo)');
  }
}
