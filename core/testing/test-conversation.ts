import type { AgentMessage, Suggestion } from '../client/agent-message.js';
import { payloads } from './payloads.js';
import type { PushAnswer } from './push-answer.js';

/** What the bot did with one message of the user's. */
export interface BotTurn extends PushAnswer {
  /** The messages the bot sent this user in answer, in order. */
  readonly messages: readonly AgentMessage[];
  /** The text of each of those messages that has one. */
  readonly texts: readonly string[];
  /** The last of `texts` (undefined when the bot sent no text). */
  readonly text: string | undefined;
  /** The text of each reply chip of the last message that has chips. */
  readonly chips: readonly string[];
}

/** What a conversation needs of its test bot: to push, and to read what was sent to a user. */
export interface ConversationPeer {
  push(data: object): Promise<PushAnswer>;
  sentTo(agentId: string, phone: string): readonly AgentMessage[];
}

const textOf = (message: AgentMessage) => message.contentMessage.text;
const suggestionsOf = (message: AgentMessage): readonly Suggestion[] => message.contentMessage.suggestions ?? [];
const chipText = (suggestion: Suggestion) => ('reply' in suggestion ? suggestion.reply.text : suggestion.action.text);
const postbackOf = (suggestion: Suggestion) => ('reply' in suggestion ? suggestion.reply.postbackData : suggestion.action.postbackData);

/**
 * One user chatting with a test bot, turn by turn: each call sends what a user would (a text,
 * a chip tap, a receipt) as a signed push and resolves with what the bot sent back.
 *
 * @example
 * const user = t.conversation('+15550001111');
 * expect((await user.say('book')).chips).to.deep.equal(['2', '4', '6']);
 * expect((await user.tap('4')).text).to.equal('Under what name?');
 */
export class TestConversation {
  private seen = 0;
  /** The bot's answer to the last message sent. */
  last: BotTurn | undefined;

  constructor(
    private readonly peer: ConversationPeer,
    readonly phone: string,
    readonly agentId: string,
  ) {
    // What this user got before the conversation began is no answer to its turns.
    this.seen = peer.sentTo(agentId, phone).length;
  }

  /**
   * Sends a text.
   *
   * @example
   * const turn = await user.say('hello'); // turn.texts: ['hello'] with echo
   */
  say(text: string, messageId?: string): Promise<BotTurn> {
    return this.send(payloads.text({ agentId: this.agentId, phone: this.phone, text, ...(messageId === undefined ? {} : { messageId }) }));
  }

  /**
   * Taps the chip whose text is `chip`, as sent last by the bot (its postbackData goes back).
   * Throws, listing the chips on offer, when the bot sent none by that text.
   *
   * @example
   * await user.tap('Confirm');
   */
  tap(chip: string): Promise<BotTurn> {
    const sent = this.peer.sentTo(this.agentId, this.phone);
    for (let i = sent.length - 1; i >= 0; i -= 1) {
      const found = suggestionsOf(sent[i]!).find((suggestion) => chipText(suggestion) === chip);
      if (found !== undefined) {
        return this.send(payloads.suggestion({ agentId: this.agentId, phone: this.phone, text: chip, postbackData: postbackOf(found) ?? chip }));
      }
    }
    const offered = this.last?.chips ?? [];
    return Promise.reject(new Error(`tap("${chip}"): the bot sent this user no chip "${chip}"; expected one of: ${offered.length === 0 ? '(no chips)' : offered.join(', ')}`));
  }

  /**
   * Sends a receipt or typing event from the user (DELIVERED, READ, IS_TYPING), about
   * `messageId` when given.
   *
   * @example
   * await user.event('READ');
   */
  event(eventType: 'DELIVERED' | 'READ' | 'IS_TYPING', messageId?: string): Promise<BotTurn> {
    return this.send(payloads.userEvent({ agentId: this.agentId, phone: this.phone, eventType, ...(messageId === undefined ? {} : { messageId }) }));
  }

  /**
   * Pushes any payload as this user's (e.g. `payloads.location(...)`, or one pushed before, to
   * play a redelivery) and reads the answer.
   *
   * @example
   * const data = payloads.text({ phone: user.phone, text: '4' });
   * await user.send(data); await user.send(data); // the second is Google redelivering it
   */
  async send(data: object): Promise<BotTurn> {
    const answer = await this.peer.push(data);
    const sent = this.peer.sentTo(this.agentId, this.phone);
    const messages = sent.slice(this.seen);
    this.seen = sent.length;
    const texts = messages.flatMap((message) => (textOf(message) === undefined ? [] : [textOf(message)!]));
    const withChips = [...messages].reverse().find((message) => suggestionsOf(message).length > 0);
    this.last = { ...answer, messages, texts, text: texts.at(-1), chips: withChips === undefined ? [] : suggestionsOf(withChips).map(chipText) };
    return this.last;
  }
}
