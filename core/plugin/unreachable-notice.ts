import type { UserNotReachableError } from '../client/rbm-api-errors.js';
import type { SendMessageRequest } from '../client/rbm-client.js';
import type { RbmEvent, UnreachableNotice } from '../events/event-types.js';

/**
 * The `unreachable` notice of a send Google refused with 404: the message and its id, the
 * error, the plugin that sent it and, when a handler did, the event it handled.
 *
 * @example
 * await runtime.reportUnreachable(unreachableNotice(request, error, 'echo', event), ctx.delivery);
 */
export function unreachableNotice(
  request: SendMessageRequest & { readonly messageId: string },
  error: UserNotReachableError,
  plugin: string,
  event?: RbmEvent,
): UnreachableNotice {
  const { agentId, phone, message, messageId } = request;
  return { type: 'unreachable', agentId, phone, message, messageId, error, plugin, ...(event === undefined ? {} : { event }) };
}
