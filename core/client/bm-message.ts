import type { AgentMessage, CardContent, RichCard, Suggestion } from './agent-message.js';
import { MessageLimitError } from './message-limits.js';

/** Who a Business Messages message or event comes from: a bot or a human representative. */
export interface BmRepresentative {
  readonly representativeType: 'BOT' | 'HUMAN';
  readonly displayName?: string;
  readonly avatarImage?: string;
}

/** The body of `POST /v1/conversations/{id}/messages`. */
export interface BmMessageBody {
  readonly messageId: string;
  readonly representative: BmRepresentative;
  readonly text?: string;
  readonly richCard?: unknown;
  readonly image?: { readonly contentInfo: { readonly fileUrl: string; readonly thumbnailUrl?: string; readonly forceRefresh?: boolean } };
  readonly suggestions?: readonly unknown[];
}

/** The error for what an AgentMessage holds that Business Messages cannot carry. */
function cannot(field: string, what: string, value: string): MessageLimitError {
  return new MessageLimitError(field, `${what} (Business Messages cannot carry it)`, value);
}

function bmSuggestion(suggestion: Suggestion, field: string): unknown {
  if ('reply' in suggestion) return { reply: { text: suggestion.reply.text, postbackData: suggestion.reply.postbackData } };
  const { text, postbackData, openUrlAction, dialAction } = suggestion.action;
  if (openUrlAction !== undefined) return { action: { text, postbackData, openUrlAction: { url: openUrlAction.url } } };
  if (dialAction !== undefined) return { action: { text, postbackData, dialAction: { phoneNumber: dialAction.phoneNumber } } };
  const kind = Object.keys(suggestion.action).find((key) => key.endsWith('Action')) ?? 'an action';
  throw cannot(`${field}.action`, 'a reply, an openUrlAction or a dialAction', kind);
}

function bmSuggestions(list: readonly Suggestion[] | undefined, field: string): unknown[] | undefined {
  return list === undefined || list.length === 0 ? undefined : list.map((suggestion, i) => bmSuggestion(suggestion, `${field}[${i}]`));
}

function bmCardContent(card: CardContent, field: string): unknown {
  const media = card.media === undefined ? undefined : { height: card.media.height, contentInfo: { ...card.media.contentInfo } };
  return {
    ...(card.title === undefined ? {} : { title: card.title }),
    ...(card.description === undefined ? {} : { description: card.description }),
    ...(media === undefined ? {} : { media }),
    ...(card.suggestions === undefined ? {} : { suggestions: bmSuggestions(card.suggestions, `${field}.suggestions`) }),
  };
}

function bmRichCard(card: RichCard): unknown {
  if (card.standaloneCard !== undefined) {
    // BM's standalone card has no orientation nor thumbnail alignment: only its content.
    return { standaloneCard: { cardContent: bmCardContent(card.standaloneCard.cardContent, 'contentMessage.richCard.standaloneCard.cardContent') } };
  }
  if (card.carouselCard !== undefined) {
    const { cardWidth, cardContents } = card.carouselCard;
    return { carouselCard: { cardWidth, cardContents: cardContents.map((c, i) => bmCardContent(c, `contentMessage.richCard.carouselCard.cardContents[${i}]`)) } };
  }
  throw new MessageLimitError('contentMessage.richCard', 'a standaloneCard or a carouselCard', JSON.stringify(card).slice(0, 80));
}

/**
 * Turns an RBM AgentMessage into the body Business Messages takes: text, a rich card
 * (standalone or carousel), or an image from a URL (`contentInfo`), with reply, open-URL and
 * dial suggestions, from the given representative. `messageTrafficType` is RBM's alone and is
 * left out. What BM cannot carry (an uploaded RBM file, ttl/expireTime, location and calendar
 * actions) throws a MessageLimitError naming it.
 *
 * @example
 * toBmMessage({ contentMessage: { text: 'hi' } }, 'a5b1…uuid', { representativeType: 'BOT' });
 * // { messageId: 'a5b1…uuid', representative: { representativeType: 'BOT' }, text: 'hi' }
 */
export function toBmMessage(message: AgentMessage, messageId: string, representative: BmRepresentative): BmMessageBody {
  if (message.ttl !== undefined || message.expireTime !== undefined) {
    throw cannot(message.ttl !== undefined ? 'ttl' : 'expireTime', 'no expiry', message.ttl ?? message.expireTime ?? '');
  }
  const content = message.contentMessage;
  if (content.uploadedRbmFile !== undefined) {
    throw cannot('contentMessage.uploadedRbmFile', 'text, a richCard or an image by URL (contentInfo)', content.uploadedRbmFile.fileName);
  }
  const suggestions = bmSuggestions(content.suggestions, 'contentMessage.suggestions');
  const base = { messageId, representative, ...(suggestions === undefined ? {} : { suggestions }) };
  if (content.text !== undefined) return { ...base, text: content.text };
  if (content.richCard !== undefined) return { ...base, richCard: bmRichCard(content.richCard) };
  if (content.contentInfo !== undefined) return { ...base, image: { contentInfo: { ...content.contentInfo } } };
  throw new MessageLimitError('contentMessage', 'one of text, richCard or contentInfo', JSON.stringify(content).slice(0, 80));
}
