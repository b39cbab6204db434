import { randomUUID } from 'node:crypto';
import type { BmReceiptType } from '../events/wire-names.js';

/** Fields every Business Messages body builder takes; all have test defaults. */
export interface BmPayloadBase {
  /** The agent's resource name. Default `brands/test-brand/agents/test-agent`. */
  readonly agent?: string;
  readonly conversationId?: string;
  readonly requestId?: string;
  readonly customAgentId?: string;
  readonly sendTime?: string;
  readonly context?: Record<string, unknown>;
}

const base = (p: BmPayloadBase) => ({
  agent: p.agent ?? 'brands/test-brand/agents/test-agent',
  conversationId: p.conversationId ?? 'test-conversation',
  ...(p.customAgentId === undefined ? {} : { customAgentId: p.customAgentId }),
  requestId: p.requestId ?? randomUUID(),
  context: p.context ?? { entryPoint: 'PLACESHEET', resolvedLocale: 'en', userInfo: { displayName: 'Test User', userDeviceLocale: 'en-US' } },
  sendTime: p.sendTime ?? new Date().toISOString(),
});

const createTime = () => new Date().toISOString();

/**
 * Business Messages bodies, as Google posted them, for every kind. Feed them to
 * {@link signedBmRequest}.
 *
 * @example
 * bmPayloads.text({ text: 'hi', conversationId: 'C1' });
 */
export const bmPayloads = {
  text: (p: BmPayloadBase & { text: string; messageId?: string }) => {
    const b = base(p);
    const messageId = p.messageId ?? randomUUID();
    return { ...b, message: { messageId, name: `conversations/${b.conversationId}/messages/${messageId}`, text: p.text, createTime: createTime() } };
  },
  suggestion: (p: BmPayloadBase & { postbackData: string; text?: string; suggestionType?: 'REPLY' | 'ACTION' }) => {
    const b = base(p);
    return {
      ...b,
      suggestionResponse: {
        message: `conversations/${b.conversationId}/messages/${randomUUID()}`,
        postbackData: p.postbackData,
        text: p.text ?? p.postbackData,
        createTime: createTime(),
        suggestionType: p.suggestionType ?? 'REPLY',
      },
    };
  },
  typing: (p: BmPayloadBase = {}) => ({ ...base(p), userStatus: { isTyping: true, createTime: createTime() } }),
  requestedLiveAgent: (p: BmPayloadBase = {}) => ({ ...base(p), userStatus: { requestedLiveAgent: true, createTime: createTime() } }),
  receipts: (p: BmPayloadBase & { receiptType: BmReceiptType; messageIds: readonly string[] }) => {
    const b = base(p);
    return {
      ...b,
      receipts: { receipts: p.messageIds.map((id) => ({ message: `conversations/${b.conversationId}/messages/${id}`, receiptType: p.receiptType })), createTime: createTime() },
    };
  },
  authenticationResponse: (p: BmPayloadBase & { code?: string; redirectUri?: string; errorDetails?: Record<string, unknown> }) => ({
    ...base(p),
    authenticationResponse: p.errorDetails !== undefined ? { errorDetails: p.errorDetails } : { code: p.code ?? 'AUTH_CODE', redirectUri: p.redirectUri ?? 'https://example.com/oauth' },
  }),
  surveyResponse: (p: BmPayloadBase & { questionResponsePostbackData?: string } = {}) => ({
    ...base(p),
    surveyResponse: { survey: 'conversations/c/surveys/s', rating: 'VERY_SATISFIED', questionResponsePostbackData: p.questionResponsePostbackData ?? 'yes', createTime: createTime() },
  }),
};
