import { randomUUID } from 'node:crypto';
import { UserNotReachableError } from '../client/rbm-api-errors.js';
import { RBM_CALL_METHODS, type NoneLeft, type RbmCallMethod } from '../client/rbm-calls.js';
import type { RbmClient, SendMessageRequest } from '../client/rbm-client.js';

/** Told of a message Google refused with 404, before the send rejects; its promise is awaited. */
export type UnreachableReport = (request: SendMessageRequest & { readonly messageId: string }, error: UserNotReachableError) => Promise<void>;

/** The RbmClient methods that are not API calls: the observers of a client's calls. */
const OBSERVERS = ['observe', 'observeRateLimit'] as const;

// Every method of RbmClient is forwarded: an API call of RBM_CALLS, or an observer. A method
// added to RbmClient and to neither fails here, rather than going missing from wrapped clients.
type EveryMethodForwarded = NoneLeft<Exclude<keyof RbmClient, RbmCallMethod | (typeof OBSERVERS)[number]> | Exclude<RbmCallMethod, keyof RbmClient>>;

/**
 * `inner`, except that a `sendMessage` Google refuses with 404 (UserNotReachableError) is
 * reported (and awaited) before it rejects as before. A send without a messageId is given one
 * here, so the report can name it. Every other method (the calls of RBM_CALLS, the observers)
 * goes straight to `inner`, and an optional one only if `inner` has it.
 *
 * @example
 * agent.client = reportingUnreachable(client, (request, error) => runtime.reportUnreachable(…));
 */
export function reportingUnreachable(inner: RbmClient, report: UnreachableReport): RbmClient {
  const client = {
    async sendMessage(request: SendMessageRequest) {
      const sent = request.messageId === undefined ? { ...request, messageId: randomUUID() } : (request as SendMessageRequest & { messageId: string });
      try {
        return await inner.sendMessage(sent);
      } catch (error) {
        if (error instanceof UserNotReachableError) await report(sent, error);
        throw error;
      }
    },
  } as RbmClient;
  const methods = inner as unknown as Readonly<Record<string, (argument: unknown) => unknown>>;
  const forwarded = client as unknown as Record<string, (argument: unknown) => unknown>;
  for (const method of [...RBM_CALL_METHODS, ...OBSERVERS]) {
    if (method === 'sendMessage' || typeof methods[method] !== 'function') continue;
    // Looked up on each call, so a method replaced on `inner` later is the one called.
    forwarded[method] = (argument) => methods[method]!.call(inner, argument);
  }
  return client;
}
