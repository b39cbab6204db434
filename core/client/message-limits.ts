import type { AgentMessage, CardContent, Suggestion } from './agent-message.js';

/**
 * RBM's limits on an AgentMessage, checked before sending:
 * https://developers.google.com/business-communications/rcs-business-messaging/reference/rest/v1/phones.agentMessages
 */
export const RBM_LIMITS = {
  textChars: 3072,
  messageBytes: 250 * 1024,
  suggestionsPerMessage: 11,
  suggestionsPerCard: 4,
  suggestionTextChars: 25,
  postbackDataChars: 2048,
  cardTitleChars: 200,
  cardDescriptionChars: 2000,
  carouselMinCards: 2,
  carouselMaxCards: 10,
  ttlMaxSeconds: 15 * 24 * 60 * 60,
} as const;

/** An AgentMessage that breaks a limit: names the field, the limit and the value. */
export class MessageLimitError extends Error {
  override readonly name = 'MessageLimitError';
  readonly permanent = true;
  constructor(
    readonly field: string,
    readonly limit: string,
    readonly value: string | number,
  ) {
    super(`${field}: expected ${limit}, got ${typeof value === 'number' ? value : JSON.stringify(value)}`);
  }
}

/** The kinds of content an AgentMessage holds exactly one of. */
export const CONTENT_KINDS = ['text', 'richCard', 'contentInfo', 'uploadedRbmFile'] as const;

function checkSuggestions(list: readonly Suggestion[] | undefined, field: string, max: number): void {
  if (list === undefined) return;
  if (list.length > max) throw new MessageLimitError(field, `at most ${max} suggestions`, list.length);
  list.forEach((suggestion, i) => {
    const item = 'reply' in suggestion ? suggestion.reply : 'action' in suggestion ? suggestion.action : undefined;
    const at = `${field}[${i}]`;
    if (item === undefined) throw new MessageLimitError(at, 'a {reply} or an {action}', JSON.stringify(suggestion).slice(0, 80));
    if (typeof item.text !== 'string' || item.text.length === 0 || [...item.text].length > RBM_LIMITS.suggestionTextChars) {
      throw new MessageLimitError(`${at}.text`, `1 to ${RBM_LIMITS.suggestionTextChars} characters`, item.text ?? '');
    }
    if (typeof item.postbackData !== 'string' || item.postbackData.length > RBM_LIMITS.postbackDataChars) {
      throw new MessageLimitError(`${at}.postbackData`, `a string of at most ${RBM_LIMITS.postbackDataChars} characters`, (item.postbackData ?? '').length);
    }
  });
}

function checkCard(card: CardContent, field: string): void {
  if (card.title !== undefined && [...card.title].length > RBM_LIMITS.cardTitleChars) {
    throw new MessageLimitError(`${field}.title`, `at most ${RBM_LIMITS.cardTitleChars} characters`, [...card.title].length);
  }
  if (card.description !== undefined && [...card.description].length > RBM_LIMITS.cardDescriptionChars) {
    throw new MessageLimitError(`${field}.description`, `at most ${RBM_LIMITS.cardDescriptionChars} characters`, [...card.description].length);
  }
  checkSuggestions(card.suggestions, `${field}.suggestions`, RBM_LIMITS.suggestionsPerCard);
}

function ttlSeconds(ttl: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(ttl);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Checks an AgentMessage against RBM's limits and shape; throws a {@link MessageLimitError}
 * naming the field, the limit and the value. `now` is for the expireTime check.
 *
 * @example
 * checkMessage({ contentMessage: { text: 'x'.repeat(4000) } });
 * // MessageLimitError: contentMessage.text: expected at most 3072 characters, got 4000
 */
export function checkMessage(message: AgentMessage, now = Date.now()): void {
  const content = message?.contentMessage;
  if (typeof content !== 'object' || content === null) {
    throw new MessageLimitError('contentMessage', 'an object', String(content));
  }
  const kinds = CONTENT_KINDS.filter((kind) => content[kind] !== undefined);
  if (kinds.length !== 1) {
    throw new MessageLimitError('contentMessage', `exactly one of ${CONTENT_KINDS.join(', ')}`, kinds.join(', ') || 'none');
  }
  if (content.text !== undefined) {
    // Characters are code points; the UTF-16 length bounds them, so they are counted only past the limit.
    const { length } = content.text;
    const chars = length <= RBM_LIMITS.textChars ? length : [...content.text].length;
    if (chars === 0 || chars > RBM_LIMITS.textChars) {
      throw new MessageLimitError('contentMessage.text', `1 to ${RBM_LIMITS.textChars} characters`, chars);
    }
  }
  checkSuggestions(content.suggestions, 'contentMessage.suggestions', RBM_LIMITS.suggestionsPerMessage);
  const card = content.richCard;
  if (card !== undefined) {
    if ((card.standaloneCard === undefined) === (card.carouselCard === undefined)) {
      throw new MessageLimitError('contentMessage.richCard', 'exactly one of standaloneCard, carouselCard', Object.keys(card).join(', ') || 'none');
    }
    if (card.standaloneCard !== undefined) checkCard(card.standaloneCard.cardContent, 'contentMessage.richCard.standaloneCard.cardContent');
    if (card.carouselCard !== undefined) {
      const cards = card.carouselCard.cardContents;
      if (cards.length < RBM_LIMITS.carouselMinCards || cards.length > RBM_LIMITS.carouselMaxCards) {
        throw new MessageLimitError(
          'contentMessage.richCard.carouselCard.cardContents',
          `${RBM_LIMITS.carouselMinCards} to ${RBM_LIMITS.carouselMaxCards} cards`,
          cards.length,
        );
      }
      cards.forEach((c, i) => checkCard(c, `contentMessage.richCard.carouselCard.cardContents[${i}]`));
    }
  }
  if (message.ttl !== undefined && message.expireTime !== undefined) {
    throw new MessageLimitError('ttl', 'either ttl or expireTime, not both', `${message.ttl} and ${message.expireTime}`);
  }
  if (message.ttl !== undefined) {
    const seconds = ttlSeconds(message.ttl);
    if (seconds === undefined || seconds <= 0 || seconds > RBM_LIMITS.ttlMaxSeconds) {
      throw new MessageLimitError('ttl', `a duration like "3.5s" of at most ${RBM_LIMITS.ttlMaxSeconds}s (15 days)`, message.ttl);
    }
  }
  if (message.expireTime !== undefined) {
    const at = Date.parse(message.expireTime);
    if (Number.isNaN(at) || at - now > RBM_LIMITS.ttlMaxSeconds * 1000) {
      throw new MessageLimitError('expireTime', 'an RFC 3339 time at most 15 days ahead', message.expireTime);
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(message));
  if (bytes > RBM_LIMITS.messageBytes) {
    throw new MessageLimitError('AgentMessage', `at most ${RBM_LIMITS.messageBytes} bytes as JSON`, bytes);
  }
}
