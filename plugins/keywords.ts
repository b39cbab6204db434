import { ConfigError, definePlugin, suggestions, type EventOf, type HandlerContext, type ReplyInput } from 'rbmkit';
import { KeywordMatcher, type RouteCondition, type RouteMatch } from './keyword-matcher.js';
import { normalizeText, sentText } from './normalize-text.js';

/** A message a route answers: a text or a chip tap. */
export type KeywordEvent = EventOf<'text'> | EventOf<'suggestion'>;

/** What a route does: reply (text or a content message, optionally with chips), or call a handler. */
export type RouteAction =
  | { readonly reply: ReplyInput; readonly chips?: readonly string[]; readonly handle?: undefined }
  | { readonly handle: (event: KeywordEvent, ctx: HandlerContext, match: RouteMatch) => unknown; readonly reply?: undefined };

/** A route: a condition and an action. `overridesOptOut` lets it take over a STOP/START word on purpose. */
export type KeywordRoute = RouteCondition & RouteAction & { readonly overridesOptOut?: boolean };

export interface OptOutOptions {
  /** Whole-message words that unsubscribe. Default: STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPT OUT, REVOKE, BAJA, PARAR, ARRET. */
  readonly stopWords?: readonly string[];
  /** Whole-message words that subscribe again. Default: START, UNSTOP, SUBSCRIBE, OPT IN, ALTA. */
  readonly startWords?: readonly string[];
  readonly stopReply?: ReplyInput;
  readonly startReply?: ReplyInput;
  /** Called on a stop word and on Google's UNSUBSCRIBE event (both can arrive for one opt-out): keep it idempotent. */
  readonly onStop?: (phone: string, ctx: HandlerContext) => unknown;
  /** Called on a start word and on Google's SUBSCRIBE event. */
  readonly onStart?: (phone: string, ctx: HandlerContext) => unknown;
}

export interface KeywordsOptions {
  readonly routes?: readonly KeywordRoute[];
  /** What to do with a text or tap that matched nothing. Default: nothing. */
  readonly fallback?: RouteAction;
  readonly optOut?: OptOutOptions;
}

export const DEFAULT_STOP_WORDS = ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'opt out', 'revoke', 'baja', 'parar', 'arret'];
export const DEFAULT_START_WORDS = ['start', 'unstop', 'subscribe', 'opt in', 'alta'];

function toReply(action: Extract<RouteAction, { reply: ReplyInput }>): ReplyInput {
  if (action.chips === undefined || action.chips.length === 0) return action.reply;
  const chips = action.chips.map((chip) => suggestions.reply(chip, chip));
  if (typeof action.reply === 'string') return { text: action.reply, suggestions: chips };
  if ('contentMessage' in action.reply) return { ...action.reply, contentMessage: { ...action.reply.contentMessage, suggestions: chips } };
  return { ...action.reply, suggestions: chips };
}

async function run(action: RouteAction, event: KeywordEvent, ctx: HandlerContext, match: RouteMatch): Promise<void> {
  if (action.handle !== undefined) await action.handle(event, ctx, match);
  else await ctx.reply(toReply(action));
}

/** A word as people type it: as configured, folded, lower, upper and capitalized. */
function spellings(word: string): Set<string> {
  const forms = new Set<string>();
  for (const base of [word.trim(), normalizeText(word)]) {
    const lower = base.toLowerCase();
    forms.add(base).add(lower).add(base.toUpperCase()).add(lower.charAt(0).toUpperCase() + lower.slice(1));
  }
  return forms;
}

/**
 * Routes texts and chip taps: words and phrases (matched ignoring case, accents and
 * punctuation), regular expressions (matched on the text as sent, captures handed to the
 * handler; `fold: true` to match the folded text instead), postbackData values, and one
 * fallback. STOP/START words are answered first by built-in opt-out handling, which a route
 * can only take over on purpose (`overridesOptOut: true`).
 *
 * @example
 * keywords.with({
 *   routes: [
 *     { match: ['menu', 'thực đơn'], reply: 'Today: pho, banh mi', chips: ['Order'] },
 *     { pattern: /^order (.+)$/i, handle: (e, ctx, m) => ctx.reply(`One ${m.captures[0]}, coming up!`) },
 *     { pattern: /^REF-(\d+)$/, handle: (e, ctx, m) => ctx.reply(`Looking up REF-${m.captures[0]}`) },
 *     { postback: 'ORDER', reply: 'What would you like?' },
 *   ],
 *   fallback: { reply: 'Type MENU to see the menu.' },
 * })
 */
export const keywords = definePlugin<KeywordsOptions>({
  name: 'keywords',
  setup(agent, options) {
    const routes = options.routes ?? [];
    const matcher = new KeywordMatcher(routes, 'keywords.routes');
    const optOut = options.optOut ?? {};
    const stopList = optOut.stopWords ?? DEFAULT_STOP_WORDS;
    const startList = optOut.startWords ?? DEFAULT_START_WORDS;
    const stopWords = new Set(stopList.map(normalizeText));
    const startWords = new Set(startList.map(normalizeText));
    for (const word of [...stopList, ...startList]) {
      for (const spelling of spellings(word)) {
        const index = matcher.wouldMatch(spelling);
        if (index !== undefined && routes[index]!.overridesOptOut !== true) {
          throw new ConfigError(
            `keywords.routes[${index}]: matches the opt-out word "${normalizeText(word)}", which the built-in STOP/START handling answers; ` +
              'expected another word, or overridesOptOut: true to take it over on purpose',
          );
        }
      }
    }
    const overridden = (text: string) => {
      const index = matcher.wouldMatch(text);
      return index !== undefined && routes[index]!.overridesOptOut === true;
    };
    const stopReply = optOut.stopReply ?? 'You are unsubscribed and will get no more messages. Send START to subscribe again.';
    const startReply = optOut.startReply ?? 'You are subscribed again. Send STOP to unsubscribe.';

    async function route(event: KeywordEvent, ctx: HandlerContext, text: string): Promise<void> {
      const normalized = normalizeText(text);
      const stop = stopWords.has(normalized);
      if ((stop || startWords.has(normalized)) && !overridden(text)) {
        await (stop ? optOut.onStop : optOut.onStart)?.(event.phone, ctx);
        await ctx.reply(stop ? stopReply : startReply);
        return;
      }
      const found = (event.type === 'suggestion' ? matcher.matchPostback(event.postbackData, text) : undefined) ?? matcher.matchText(text, normalized);
      if (found !== undefined) return run(found.route, event, ctx, found.match);
      if (options.fallback !== undefined) {
        return run(options.fallback, event, ctx, { text, normalized, input: sentText(text), captures: [], groups: {} });
      }
    }

    agent.on('text', (event, ctx) => route(event, ctx, event.text));
    agent.on('suggestion', (event, ctx) => route(event, ctx, event.text ?? ''));
    agent.on('unsubscribe', async (event, ctx) => void (await optOut.onStop?.(event.phone, ctx)));
    agent.on('subscribe', async (event, ctx) => void (await optOut.onStart?.(event.phone, ctx)));
  },
});
