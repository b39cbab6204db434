import type { AgentEvent, AgentMessage } from './agent-message.js';

/** One message to send to one user. */
export interface SendMessageRequest {
  readonly agentId: string;
  /** The user's E.164 phone number. */
  readonly phone: string;
  readonly message: AgentMessage;
  /** Reuse the id of a send being retried; omitted, a fresh UUID is made. */
  readonly messageId?: string;
}

/** One READ or IS_TYPING event to send to one user. */
export interface SendEventRequest {
  readonly agentId: string;
  readonly phone: string;
  readonly event: AgentEvent;
  readonly eventId?: string;
}

/**
 * How rbmkit talks to the RBM API. Plugins reach it through `ctx.reply`, `ctx.markRead` and
 * `ctx.typing`; the bot is given one implementation: in memory for tests and local runs, or
 * HTTP for Google (or a local fake of it).
 */
export interface RbmClient {
  /** Sends an AgentMessage; resolves with the messageId used. */
  sendMessage(request: SendMessageRequest): Promise<{ readonly messageId: string }>;
  /** Sends a READ or IS_TYPING event; resolves with the eventId used. */
  sendEvent(request: SendEventRequest): Promise<{ readonly eventId: string }>;
}
