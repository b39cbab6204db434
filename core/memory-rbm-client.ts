import { randomUUID } from 'node:crypto';
import type { AgentEvent, AgentMessage } from './agent-message.js';
import type { RbmClient, SendEventRequest, SendMessageRequest } from './rbm-client.js';

/** A call recorded by {@link MemoryRbmClient}. */
export type SentItem =
  | { readonly kind: 'message'; readonly agentId: string; readonly phone: string; readonly id: string; readonly message: AgentMessage }
  | { readonly kind: 'event'; readonly agentId: string; readonly phone: string; readonly id: string; readonly event: AgentEvent };

/**
 * An RBM client that keeps what it is asked to send in memory: for tests, and for running an
 * agent with no Google account. A send repeated with the same id is recorded once, as Google
 * ignores a reused id.
 *
 * @example
 * const client = new MemoryRbmClient();
 * const bot = createBot({ client, partner: { path: '/rbm', clientToken: 'T', plugins: [echo] } });
 * // … after a push: client.sent[0].message.contentMessage.text
 */
export class MemoryRbmClient implements RbmClient {
  readonly sent: SentItem[] = [];
  private readonly ids = new Set<string>();
  private readonly listeners = new Set<(item: SentItem) => void>();

  async sendMessage({ agentId, phone, message, messageId }: SendMessageRequest): Promise<{ messageId: string }> {
    const id = messageId ?? randomUUID();
    this.record({ kind: 'message', agentId, phone, id, message });
    return { messageId: id };
  }

  async sendEvent({ agentId, phone, event, eventId }: SendEventRequest): Promise<{ eventId: string }> {
    const id = eventId ?? randomUUID();
    this.record({ kind: 'event', agentId, phone, id, event });
    return { eventId: id };
  }

  /** The texts of the messages sent, in order: handy in assertions. */
  texts(): string[] {
    return this.sent.flatMap((item) => (item.kind === 'message' && item.message.contentMessage.text !== undefined ? [item.message.contentMessage.text] : []));
  }

  /** Calls `listener` for every item sent from now on; returns a function that stops it. */
  onSend(listener: (item: SentItem) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(item: SentItem): void {
    if (this.ids.has(item.id)) return;
    this.ids.add(item.id);
    this.sent.push(item);
    for (const listener of this.listeners) listener(item);
  }
}
