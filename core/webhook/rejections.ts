import type { WebhookDialect } from '../config/config-schema.js';
import type { RejectReason } from '../events/event-types.js';

/** How a refusal is answered: its status, and a message saying what was expected. */
export interface Rejection {
  readonly status: number;
  readonly message: string;
}

const RBM_REJECTIONS: Readonly<Record<RejectReason, Rejection>> = {
  missing_signature: {
    status: 401,
    message: 'expected an X-Goog-Signature header: base64 HMAC-SHA512 of the decoded message.data, keyed with this webhook\'s clientToken',
  },
  bad_signature: {
    status: 401,
    message: 'X-Goog-Signature does not match message.data for any clientToken of this webhook; expected base64 HMAC-SHA512 of the decoded data',
  },
  bad_client_token: { status: 401, message: 'expected the clientToken configured for this webhook' },
  agent_mismatch: { status: 403, message: 'the signed data names another agent; expected pushes for this webhook\'s own agent only' },
  missing_agent_id: { status: 400, message: 'expected the signed data to name its "agentId"' },
  too_old: { status: 200, message: 'published longer ago than replayWindowMs; dropped' },
};

/**
 * How each refusal is answered, by the dialect of the webhook refusing. Business Messages has
 * its own words where the dialects differ: its signature covers the raw body, and its body
 * names the agent as "agent".
 */
export const REJECTIONS: Readonly<Record<WebhookDialect, Readonly<Record<RejectReason, Rejection>>>> = {
  rbm: RBM_REJECTIONS,
  'business-messages': {
    ...RBM_REJECTIONS,
    missing_signature: {
      status: 401,
      message: 'expected an X-Goog-Signature header: base64 HMAC-SHA512 of the raw request body, keyed with this webhook\'s clientToken (or the partner key)',
    },
    bad_signature: {
      status: 401,
      message: 'X-Goog-Signature does not match the raw request body for any clientToken of this webhook; expected base64 HMAC-SHA512 of the exact body bytes',
    },
    agent_mismatch: { status: 403, message: 'the signed body names another agent; expected events for this webhook\'s own agent only' },
    missing_agent_id: { status: 400, message: 'expected the signed body to name its "agent" (brands/B/agents/A)' },
  },
};

/**
 * The answer a refusal gets at a webhook of this dialect (undefined: RBM, as on a webhook).
 *
 * @example
 * rejectionFor('business-messages', 'missing_agent_id'); // { status: 400, message: 'expected the signed body to name its "agent" (brands/B/agents/A)' }
 */
export function rejectionFor(dialect: WebhookDialect | undefined, reason: RejectReason): Rejection {
  return REJECTIONS[dialect ?? 'rbm'][reason];
}
