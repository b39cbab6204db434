import { randomUUID } from 'node:crypto';
import type { AgentEvent, AgentMessage } from './agent-message.js';
import type { BatchCapabilities, RbmClient, SendEventRequest, SendMessageRequest, TesterInvite, UploadRequest } from './rbm-client.js';

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
  private readonly keep: number;

  /** `keep` bounds what is remembered (the oldest go first): for long runs and benchmarks. */
  constructor(options: { keep?: number } = {}) {
    this.keep = options.keep ?? Number.POSITIVE_INFINITY;
  }

  /** Sends recorded so far, including those no longer kept. */
  count = 0;
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

  /** Features every user is given by {@link MemoryRbmClient.getCapabilities}. */
  features: string[] = ['RICHCARD_STANDALONE', 'RICHCARD_CAROUSEL', 'ACTION_CREATE_CALENDAR_EVENT', 'ACTION_DIAL', 'ACTION_OPEN_URL', 'ACTION_SHARE_LOCATION', 'ACTION_VIEW_LOCATION'];
  /** Revoked message ids. */
  readonly revoked = new Set<string>();
  private uploads = 0;
  /** Tester invites asked for, in order. */
  readonly testers: TesterInvite[] = [];

  async revokeMessage({ messageId }: { agentId: string; phone: string; messageId: string }): Promise<boolean> {
    if (!this.ids.has(messageId) || this.revoked.has(messageId)) return false;
    this.revoked.add(messageId);
    return true;
  }

  async getCapabilities(): Promise<readonly string[]> {
    return this.features;
  }

  async batchGetCapabilities({ phones }: { agentId: string; phones: readonly string[] }): Promise<BatchCapabilities> {
    return { reachableUsers: [...phones] };
  }

  async uploadFile(_request: UploadRequest): Promise<{ name: string }> {
    this.uploads += 1;
    return { name: `files/memory-${this.uploads}` };
  }

  /**
   * Records a tester invite (see {@link MemoryRbmClient.testers}); answers it PENDING.
   *
   * @example
   * await client.inviteTester({ agentId: 'shop@rbm.goog', phone: '+12223334444' });
   * client.testers; // [{ agentId: 'shop@rbm.goog', phone: '+12223334444', inviteStatus: 'PENDING' }]
   */
  async inviteTester({ agentId, phone }: { agentId: string; phone: string }): Promise<TesterInvite> {
    const invite: TesterInvite = { agentId, phone, inviteStatus: 'PENDING' };
    this.testers.push(invite);
    return invite;
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
    this.count += 1;
    // Trimmed in batches, so a bounded client costs O(1) per send.
    if (this.sent.length >= this.keep * 2 + 1) {
      for (const old of this.sent.splice(0, this.sent.length - this.keep)) this.ids.delete(old.id);
    }
    for (const listener of this.listeners) listener(item);
  }
}
