import { randomUUID } from 'node:crypto';
import { UserNotReachableError } from '../client/rbm-api-errors.js';
import type { RbmClient, SendMessageRequest } from '../client/rbm-client.js';

/** Told of a message Google refused with 404, before the send rejects; its promise is awaited. */
export type UnreachableReport = (request: SendMessageRequest & { readonly messageId: string }, error: UserNotReachableError) => Promise<void>;

/**
 * `inner`, except that a `sendMessage` Google refuses with 404 (UserNotReachableError) is
 * reported (and awaited) before it rejects as before. A send without a messageId is given one
 * here, so the report can name it. Every other call goes straight to `inner`.
 *
 * @example
 * agent.client = reportingUnreachable(client, (request, error) => runtime.reportUnreachable(…));
 */
export function reportingUnreachable(inner: RbmClient, report: UnreachableReport): RbmClient {
  const client: RbmClient = {
    async sendMessage(request) {
      const sent = request.messageId === undefined ? { ...request, messageId: randomUUID() } : (request as SendMessageRequest & { messageId: string });
      try {
        return await inner.sendMessage(sent);
      } catch (error) {
        if (error instanceof UserNotReachableError) await report(sent, error);
        throw error;
      }
    },
    sendEvent: (request) => inner.sendEvent(request),
    revokeMessage: (request) => inner.revokeMessage(request),
    getCapabilities: (request) => inner.getCapabilities(request),
    batchGetCapabilities: (request) => inner.batchGetCapabilities(request),
    uploadFile: (request) => inner.uploadFile(request),
  };
  const { inviteTester, observe, observeRateLimit } = inner;
  if (inviteTester !== undefined) client.inviteTester = (request) => inviteTester.call(inner, request);
  if (observe !== undefined) client.observe = (observer) => observe.call(inner, observer);
  if (observeRateLimit !== undefined) client.observeRateLimit = (observer) => observeRateLimit.call(inner, observer);
  return client;
}
