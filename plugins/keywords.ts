import { ConfigError, definePlugin, suggestions, type EventOf, type HandlerContext, type ReplyInput } from 'rbmkit';
import { z } from 'zod';
import { KeywordMatcher, type RouteCondition, type RouteMatch } from './keyword-matcher.js';
import { normalizeText, sentText } from './normalize-text.js';
import { withSuggestions } from './with-suggestions.js';

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
  return withSuggestions(action.reply, (action.chips ?? []).map((chip) => suggestions.reply(chip, chip)));
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

const given = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  if (typeof value === 'function') return 'a function';
  if (value instanceof RegExp) return String(value);
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
};
const expected = (what: string) => ({ error: (issue: { input?: unknown }) => `expected ${what}, got ${given(issue.input)}` });
/** A strict object whose mistakes name the keys that would have been valid. */
const options = <S extends z.core.$ZodLooseShape>(what: string, shape: S) => {
  const keys = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key ${issue.keys.map((key) => JSON.stringify(key)).join(', ')}; expected only: ${keys}`
        : `expected ${what} (${keys}), got ${given(issue.input)}`,
  });
};
const isFunction = (value: unknown) => typeof value === 'function';
const bool = z.boolean(expected('true or false'));
const words = (what: string) => z.union([z.string(), z.array(z.string()).readonly()], expected(`${what}, or a list of them`));
const reply = z.custom<ReplyInput>(
  (value) => typeof value === 'string' || (typeof value === 'object' && value !== null && !Array.isArray(value)),
  expected('a reply: a text, a content message or an AgentMessage'),
);
const action = {
  /** What to answer: a text, a content message or an AgentMessage. */
  reply: reply.optional(),
  /** Reply chips added to `reply`. */
  chips: z.array(z.string(expected('a chip text')), expected('a list of chip texts')).readonly().optional(),
  /** Called instead of replying: `(event, ctx, match)`. */
  handle: z.custom<RouteAction['handle']>(isFunction, expected('a function (event, ctx, match)')).optional(),
};

/** Adds an issue unless the action has exactly one of `reply` and `handle`, and chips only with a reply. */
function checkAction(value: { reply?: unknown; handle?: unknown; chips?: unknown }, ctx: z.RefinementCtx): void {
  if ((value.reply === undefined) === (value.handle === undefined)) {
    const got = value.reply === undefined ? 'neither' : 'both';
    ctx.addIssue({ code: 'custom', message: `expected "reply" (a text or message, with optional "chips") or "handle" (a function), got ${got}` });
  } else if (value.chips !== undefined && value.reply === undefined) {
    ctx.addIssue({ code: 'custom', path: ['chips'], message: 'expected "chips" only with "reply"; a handler sends its own' });
  }
}

const CONDITIONS = ['match', 'pattern', 'postback'] as const;
const routeSchema = options('a route', {
  /** Words or phrases, matched anywhere in the folded text. */
  match: words('a word or phrase').optional(),
  /** A regular expression (a string is compiled with the `u` flag). */
  pattern: z.union([z.instanceof(RegExp), z.string()], expected('a RegExp or a string')).optional(),
  /** Match `pattern` against the folded text. */
  fold: bool.optional(),
  /** A chip's postbackData, exactly. */
  postback: words('a postbackData').optional(),
  ...action,
  /** Take over a STOP/START word on purpose. */
  overridesOptOut: bool.optional(),
}).superRefine((route, ctx) => {
  const conditions = CONDITIONS.filter((key) => route[key] !== undefined);
  if (conditions.length !== 1) {
    const got = conditions.length === 0 ? 'none' : conditions.map((key) => `"${key}"`).join(' and ');
    ctx.addIssue({ code: 'custom', message: `expected one of "match" (words or phrases), "pattern" (a regular expression) or "postback", got ${got}` });
  }
  if (route.fold !== undefined && route.pattern === undefined) ctx.addIssue({ code: 'custom', path: ['fold'], message: 'expected "fold" only with a "pattern"' });
  checkAction(route, ctx);
});

/** The options of `keywords`, checked when the bot is created: shapes first, then the routes as setup builds them. */
const keywordsOptions = options('an object of options', {
  routes: z.array(routeSchema, expected('a list of routes, e.g. [{ match: "menu", reply: "..." }]')).readonly().optional(),
  fallback: options('a fallback action', action).superRefine(checkAction).optional(),
  optOut: options('opt-out options', {
    stopWords: z.array(z.string(expected('a word')), expected('a list of words')).readonly().optional(),
    startWords: z.array(z.string(expected('a word')), expected('a list of words')).readonly().optional(),
    stopReply: reply.optional(),
    startReply: reply.optional(),
    onStop: z.custom<OptOutOptions['onStop']>(isFunction, expected('a function (phone, ctx)')).optional(),
    onStart: z.custom<OptOutOptions['onStart']>(isFunction, expected('a function (phone, ctx)')).optional(),
  }).optional(),
}).superRefine((parsed, ctx) => {
  try {
    compileRoutes(parsed as KeywordsOptions, 'routes');
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    ctx.addIssue({ code: 'custom', message: error.message });
  }
}) as unknown as z.ZodType<KeywordsOptions, KeywordsOptions>;

/**
 * What setup builds from the routes: the matcher, and the opt-out words no route takes by
 * accident. Throws a ConfigError naming the route (`field.index`) otherwise.
 */
function compileRoutes(options: KeywordsOptions, field: string) {
  const routes = options.routes ?? [];
  const matcher = new KeywordMatcher(routes, field);
  const optOut = options.optOut ?? {};
  const stopList = optOut.stopWords ?? DEFAULT_STOP_WORDS;
  const startList = optOut.startWords ?? DEFAULT_START_WORDS;
  for (const word of [...stopList, ...startList]) {
    for (const spelling of spellings(word)) {
      const index = matcher.wouldMatch(spelling);
      if (index !== undefined && routes[index]!.overridesOptOut !== true) {
        throw new ConfigError(
          `${field}.${index}: matches the opt-out word "${normalizeText(word)}", which the built-in STOP/START handling answers; ` +
            'expected another word, or overridesOptOut: true to take it over on purpose',
        );
      }
    }
  }
  return { routes, matcher, optOut, stopWords: new Set(stopList.map(normalizeText)), startWords: new Set(startList.map(normalizeText)) };
}

/**
 * Routes texts and chip taps: words and phrases (matched ignoring case, accents and
 * punctuation), regular expressions (matched on the text as sent, captures handed to the
 * handler; `fold: true` to match the folded text instead), postbackData values, and one
 * fallback. STOP/START words are answered first by built-in opt-out handling, which a route
 * can only take over on purpose (`overridesOptOut: true`). Options are checked when the bot is
 * created: a malformed route, a phrase listed twice, a broken pattern or a route shadowing
 * STOP fails `createBot`, naming the route. What a route or an opt-out word answers is claimed
 * (no later plugin gets it); the fallback runs in the fallback stage, for what no plugin claimed.
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
export const keywords = definePlugin({
  name: 'keywords',
  options: keywordsOptions,
  setup(agent, options) {
    const { routes, matcher, optOut, stopWords, startWords } = compileRoutes(options, 'keywords.routes');
    const overridden = (text: string) => {
      const index = matcher.wouldMatch(text);
      return index !== undefined && routes[index]!.overridesOptOut === true;
    };
    const stopReply = optOut.stopReply ?? 'You are unsubscribed and will get no more messages. Send START to subscribe again.';
    const startReply = optOut.startReply ?? 'You are subscribed again. Send STOP to unsubscribe.';

    // The agent's opt-out list (campaigns skip these numbers), then the user's own hook.
    const optedOut = async (phone: string, ctx: HandlerContext) => {
      await agent.optOuts.add(phone);
      await optOut.onStop?.(phone, ctx);
    };
    const optedIn = async (phone: string, ctx: HandlerContext) => {
      await agent.optOuts.remove(phone);
      await optOut.onStart?.(phone, ctx);
    };

    // Opt-out words and routes claim what they answer: no later plugin, and no fallback, answers it too.
    async function route(event: KeywordEvent, ctx: HandlerContext, text: string): Promise<void> {
      const normalized = normalizeText(text);
      const stop = stopWords.has(normalized);
      if ((stop || startWords.has(normalized)) && !overridden(text)) {
        await (stop ? optedOut : optedIn)(event.phone, ctx);
        await ctx.reply(stop ? stopReply : startReply);
        ctx.claim();
        return;
      }
      const found = (event.type === 'suggestion' ? matcher.matchPostback(event.postbackData, text) : undefined) ?? matcher.matchText(text, normalized);
      if (found === undefined) return;
      await run(found.route, event, ctx, found.match);
      ctx.claim();
    }

    agent.on('text', (event, ctx) => route(event, ctx, event.text));
    agent.on('suggestion', (event, ctx) => route(event, ctx, event.text ?? ''));
    const fallback = options.fallback;
    if (fallback !== undefined) {
      // A fallback stage: after every plugin's own handling, only for what no one claimed (a flow's answer is not "unmatched").
      const unmatched = async (event: KeywordEvent, ctx: HandlerContext, text: string) => {
        await run(fallback, event, ctx, { text, normalized: normalizeText(text), input: sentText(text), captures: [], groups: {} });
        ctx.claim();
      };
      agent.on('text', (event, ctx) => unmatched(event, ctx, event.text), { stage: 'fallback' });
      agent.on('suggestion', (event, ctx) => unmatched(event, ctx, event.text ?? ''), { stage: 'fallback' });
    }
    agent.on('unsubscribe', (event, ctx) => optedOut(event.phone, ctx));
    agent.on('subscribe', (event, ctx) => optedIn(event.phone, ctx));
  },
});
