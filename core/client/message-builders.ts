import type {
  AgentMessage,
  CardContent,
  ContentMessage,
  MessageTrafficType,
  SuggestedAction,
  SuggestedReply,
  Suggestion,
} from './agent-message.js';

type ActionBase = { text: string; postbackData?: string; fallbackUrl?: string };
const action = (base: ActionBase, body: Omit<SuggestedAction['action'], 'text' | 'postbackData' | 'fallbackUrl'>): SuggestedAction => ({
  action: {
    text: base.text,
    postbackData: base.postbackData ?? base.text,
    ...(base.fallbackUrl === undefined ? {} : { fallbackUrl: base.fallbackUrl }),
    ...body,
  },
});

/**
 * Suggested replies and actions (chips), so a plugin never writes raw JSON.
 *
 * @example
 * ctx.reply(messages.text('Pick one', [suggestions.reply('Yes', 'yes'), suggestions.dial('Call us', '+15551234567')]));
 */
export const suggestions = {
  /** A reply chip: tapping it sends `text` and `postbackData` back. */
  reply: (text: string, postbackData: string = text): SuggestedReply => ({ reply: { text, postbackData } }),
  /** Opens the dialler with a number. */
  dial: (text: string, phoneNumber: string, options: Omit<ActionBase, 'text'> = {}): SuggestedAction =>
    action({ text, ...options }, { dialAction: { phoneNumber } }),
  /** Opens a URL in the browser or a webview. */
  openUrl: (text: string, url: string, options: Omit<ActionBase, 'text'> & { application?: 'BROWSER' | 'WEBVIEW'; webviewViewMode?: 'FULL' | 'HALF' | 'TALL' } = {}): SuggestedAction => {
    const { application, webviewViewMode, ...base } = options;
    return action({ text, ...base }, {
      openUrlAction: { url, ...(application === undefined ? {} : { application }), ...(webviewViewMode === undefined ? {} : { webviewViewMode }) },
    });
  },
  /** Asks the user to share their location. */
  shareLocation: (text: string, options: Omit<ActionBase, 'text'> = {}): SuggestedAction => action({ text, ...options }, { shareLocationAction: {} }),
  /** Shows a place on a map. */
  viewLocation: (text: string, place: { latitude: number; longitude: number; label?: string } | { query: string }, options: Omit<ActionBase, 'text'> = {}): SuggestedAction =>
    action(
      { text, ...options },
      { viewLocationAction: 'query' in place ? { query: place.query } : { latLong: { latitude: place.latitude, longitude: place.longitude }, ...(place.label === undefined ? {} : { label: place.label }) } },
    ),
  /** Adds an event to the user's calendar. */
  calendarEvent: (text: string, event: { title: string; startTime: string; endTime: string; description?: string }, options: Omit<ActionBase, 'text'> = {}): SuggestedAction =>
    action({ text, ...options }, { createCalendarEventAction: event }),
};

interface SendOptions {
  readonly trafficType?: MessageTrafficType;
  /** e.g. "3600s"; at most 15 days. */
  readonly ttl?: string;
  readonly expireTime?: string;
}

function wrap(content: ContentMessage, options: SendOptions): AgentMessage {
  return {
    contentMessage: content,
    ...(options.trafficType === undefined ? {} : { messageTrafficType: options.trafficType }),
    ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
    ...(options.expireTime === undefined ? {} : { expireTime: options.expireTime }),
  };
}

const withSuggestions = (content: ContentMessage, list?: readonly Suggestion[]): ContentMessage =>
  list === undefined || list.length === 0 ? content : { ...content, suggestions: list };

/** A card's content: title, description, media and up to 4 suggestions. */
export interface CardInput {
  readonly title?: string;
  readonly description?: string;
  readonly imageUrl?: string;
  readonly thumbnailUrl?: string;
  readonly height?: 'SHORT' | 'MEDIUM' | 'TALL';
  readonly suggestions?: readonly Suggestion[];
}

const card = (input: CardInput): CardContent => ({
  ...(input.title === undefined ? {} : { title: input.title }),
  ...(input.description === undefined ? {} : { description: input.description }),
  ...(input.imageUrl === undefined
    ? {}
    : {
        media: {
          height: input.height ?? 'MEDIUM',
          contentInfo: { fileUrl: input.imageUrl, ...(input.thumbnailUrl === undefined ? {} : { thumbnailUrl: input.thumbnailUrl }) },
        },
      }),
  ...(input.suggestions === undefined ? {} : { suggestions: input.suggestions }),
});

/**
 * Whole AgentMessages: text, rich card, carousel, file by URL, uploaded file.
 *
 * @example
 * await ctx.reply(messages.card({ title: 'Order #42', description: 'On its way', suggestions: [suggestions.reply('Track', 'track')] }));
 */
export const messages = {
  text: (text: string, list?: readonly Suggestion[], options: SendOptions = {}): AgentMessage => wrap(withSuggestions({ text }, list), options),
  card: (input: CardInput & { orientation?: 'VERTICAL' | 'HORIZONTAL'; imageAlignment?: 'LEFT' | 'RIGHT' }, list?: readonly Suggestion[], options: SendOptions = {}): AgentMessage =>
    wrap(
      withSuggestions(
        {
          richCard: {
            standaloneCard: {
              cardOrientation: input.orientation ?? 'VERTICAL',
              ...(input.imageAlignment === undefined ? {} : { thumbnailImageAlignment: input.imageAlignment }),
              cardContent: card(input),
            },
          },
        },
        list,
      ),
      options,
    ),
  carousel: (cards: readonly CardInput[], list?: readonly Suggestion[], options: SendOptions & { width?: 'SMALL' | 'MEDIUM' } = {}): AgentMessage =>
    wrap(withSuggestions({ richCard: { carouselCard: { cardWidth: options.width ?? 'MEDIUM', cardContents: cards.map(card) } } }, list), options),
  file: (fileUrl: string, thumbnailUrl?: string, list?: readonly Suggestion[], options: SendOptions = {}): AgentMessage =>
    wrap(withSuggestions({ contentInfo: { fileUrl, ...(thumbnailUrl === undefined ? {} : { thumbnailUrl }) } }, list), options),
  uploadedFile: (fileName: string, thumbnailName?: string, list?: readonly Suggestion[], options: SendOptions = {}): AgentMessage =>
    wrap(withSuggestions({ uploadedRbmFile: { fileName, ...(thumbnailName === undefined ? {} : { thumbnailName }) } }, list), options),
};
