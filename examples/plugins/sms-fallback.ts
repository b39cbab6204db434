import { definePlugin, maskPhone, type AgentMessage } from 'rbmkit';

/** Whatever sends an SMS for you (Twilio, Vonage, your carrier's API…). */
export interface SmsSender {
  /** Sends `text` to the E.164 number `phone`. */
  send(phone: string, text: string): Promise<void>;
}

export interface SmsFallbackOptions {
  /** Sends the SMS. */
  readonly sender: SmsSender;
  /** The SMS for a message that could not go by RCS; undefined sends none. Default: {@link smsText}. */
  readonly text?: (message: AgentMessage) => string | undefined;
}

/**
 * What an RCS message says, as plain text for an SMS: its text; a card's title and
 * description (each card of a carousel); a file's URL. Suggestions are dropped (an SMS has
 * none), except links, which are added on their own line. Undefined for an uploaded file
 * (Google hosts it; there is no URL to send).
 *
 * @example
 * smsText({ contentMessage: { text: 'Your order shipped' } }); // 'Your order shipped'
 */
export function smsText(message: AgentMessage): string | undefined {
  const content = message.contentMessage;
  const cards = content.richCard?.standaloneCard !== undefined ? [content.richCard.standaloneCard.cardContent] : (content.richCard?.carouselCard?.cardContents ?? []);
  const parts = [
    content.text,
    ...cards.flatMap((card) => [card.title, card.description]),
    content.contentInfo?.fileUrl,
    ...(content.suggestions ?? []).map((suggestion) => ('action' in suggestion ? suggestion.action.openUrlAction?.url : undefined)),
  ].filter((part): part is string => typeof part === 'string' && part !== '');
  return parts.length === 0 ? undefined : parts.join('\n');
}

/**
 * Falls back to SMS when Google cannot reach a user by RCS: on each `unreachable` notice (a
 * send that met Google's 404, from `ctx.reply` or `agent.client`), sends the message's text
 * through the SMS sender it is given. The send that failed still rejects for the plugin that
 * made it; this plugin only makes sure the user hears it.
 *
 * @example
 * plugins: [smsFallback.with({ sender: { send: (phone, text) => twilio.messages.create({ to: phone, from, body: text }).then(() => undefined) } }), echo]
 */
export const smsFallback = definePlugin<SmsFallbackOptions>({
  name: 'sms-fallback',
  setup(agent, options) {
    const textOf = options.text ?? smsText;
    agent.on('unreachable', async (notice, ctx) => {
      const text = textOf(notice.message);
      if (text === undefined) {
        ctx.log.info({ phone: maskPhone(notice.phone), messageId: notice.messageId }, 'no RCS and nothing to say by SMS: message dropped');
        return;
      }
      await options.sender.send(notice.phone, text);
      ctx.log.info({ phone: maskPhone(notice.phone), messageId: notice.messageId, plugin: notice.plugin }, 'no RCS: sent by SMS instead');
    });
  },
});
