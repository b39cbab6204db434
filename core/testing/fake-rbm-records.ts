import type { AgentEvent, AgentMessage } from '../client/agent-message.js';

/** A request the fake answered, as it arrived. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: unknown;
  /** The status answered. */
  readonly status: number;
}

/** A message the agent sent, accepted by the fake. */
export interface FakeMessage {
  readonly agentId: string;
  readonly phone: string;
  readonly messageId: string;
  readonly message: AgentMessage;
}

/** A READ / IS_TYPING event the agent sent, accepted by the fake. */
export interface FakeEvent {
  readonly agentId: string;
  readonly phone: string;
  readonly eventId: string;
  readonly event: AgentEvent;
}

/** A file the agent handed over, accepted by the fake. */
export interface FakeUpload {
  readonly agentId: string;
  readonly name: string;
  /** By URL: the URL Google would fetch. */
  readonly fileUrl?: string;
  readonly thumbnailUrl?: string;
  /** As bytes: the media part's content type and bytes. */
  readonly contentType?: string;
  readonly data?: Buffer;
  readonly contentDescription?: string;
}

/** A tester invite accepted by the fake's Business Communications API. */
export interface FakeTester {
  readonly agentId: string;
  readonly phone: string;
  /** When it was asked for (ms since the epoch, by the fake's clock). */
  readonly at: number;
}
