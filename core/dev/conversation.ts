import type { FakeEvent, FakeMessage, FakeRbmApi } from '../testing/fake-rbm-api.js';
import { safeEqual } from '../webhook/safe-equal.js';
import { pushToWebhook, type PushOutcome } from './push-to-webhook.js';
import { userPayload, type Participants, type UserAction } from './user-action.js';

/** What the agent sent this user: a message or an event (READ, IS_TYPING). */
export type AgentItem = FakeMessage | FakeEvent;

export interface ConversationOptions extends Participants {
  /** The webhook URL pushes go to. */
  readonly webhook: string;
  /** The webhook's clientToken, to sign pushes with. Never shown. */
  readonly token: string;
  /** The fake RBM API the agent's messages and events arrive at. */
  readonly api: FakeRbmApi;
}

/** One user action, sent: its id (messageId or eventId), the document pushed, and the webhook's answer. */
export interface Sent {
  readonly id: string;
  readonly data: Record<string, unknown>;
  readonly outcome: PushOutcome;
}

/**
 * One user talking to one agent, with Google's part played locally: each action is signed
 * as a real push to the agent's webhook, and what the agent sends to the fake RBM API for
 * this user comes back through `onAgent`. Used by `rbmkit chat` and the web chat page alike.
 *
 * @example
 * const talk = new Conversation({ webhook: `${url}/webhook`, token, agentId: 'cafe@rbm.goog', phone: '+15555550100', api });
 * talk.onAgent((item) => console.log(item));
 * const { outcome } = await talk.send({ type: 'text', text: 'hello' }); // outcome.status: 200
 */
export class Conversation {
  /** The id of the agent's last message to this user, for DELIVERED and READ. */
  lastAgentMessageId: string | undefined;
  private readonly stopTracking: () => void;

  constructor(private readonly options: ConversationOptions) {
    this.stopTracking = this.onAgent((item) => {
      if ('message' in item) this.lastAgentMessageId = item.messageId;
    });
  }

  get agentId(): string {
    return this.options.agentId;
  }

  get phone(): string {
    return this.options.phone;
  }

  get webhook(): string {
    return this.options.webhook;
  }

  /**
   * Calls `listener` for each message or event the agent sends this user from now on;
   * returns a function that stops it.
   *
   * @example
   * const stop = talk.onAgent((item) => ('message' in item ? show(item.message) : showEvent(item.event)));
   */
  onAgent(listener: (item: AgentItem) => void): () => void {
    const { agentId, phone } = this.options;
    return this.options.api.onReceive((item) => {
      if (item.agentId === agentId && item.phone === phone) listener(item);
    });
  }

  /**
   * Sends what the user did as Google would: a signed push to the webhook. Resolves with the
   * webhook's answer once it came (by then the agent's handlers have run). `announce` hears of
   * the push before it leaves, so what the agent answers about it comes after.
   *
   * @example
   * await talk.send({ type: 'tap', postbackData: 'ORDER_PHO', text: 'Pho', kind: 'REPLY' });
   */
  async send(action: UserAction, announce?: (id: string, data: Record<string, unknown>) => void): Promise<Sent> {
    const { id, data } = userPayload(action, this.options);
    announce?.(id, data);
    const outcome = await pushToWebhook(this.options.webhook, this.options.token, data);
    return { id, data, outcome };
  }

  /**
   * True when this conversation pushes to `webhook` signed with `token` (tokens compared in
   * constant time): after a reload, a conversation whose webhook or token changed is replaced.
   *
   * @example
   * talk.pushesTo(`${url}/webhook`, route.token); // true
   */
  pushesTo(webhook: string, token: string): boolean {
    return this.options.webhook === webhook && safeEqual(this.options.token, token);
  }

  /** Stops following the agent's messages. */
  close(): void {
    this.stopTracking();
  }
}
