import { ConfigError } from 'rbmkit';
import { normalizeText, sentText } from './normalize-text.js';

/** What matched, handed to a route's handler. */
export interface RouteMatch {
  /** The message text (or chip text) exactly as the user sent it. */
  readonly text: string;
  /** The folded text (lower case, no accents, punctuation as spaces), see `normalizeText`. */
  readonly normalized: string;
  /**
   * The text the route was matched against: the folded text for word/phrase routes and
   * `fold: true` patterns, the text as sent (NFC, trimmed; see `sentText`) for other
   * patterns, the postbackData for postback routes.
   */
  readonly input: string;
  /** The folded phrase that matched, for word/phrase routes. */
  readonly phrase?: string;
  /** A pattern route's numbered captures, taken from `input`: the user's own characters unless the route folds. */
  readonly captures: readonly string[];
  /** A pattern route's named captures, taken from `input`. */
  readonly groups: Readonly<Record<string, string>>;
  /** The chip's postbackData, for postback routes. */
  readonly postbackData?: string;
}

/**
 * The three ways a route can match:
 * - `match`: words or phrases, anywhere in the message, on the folded text ("THỰC ĐƠN!" matches "thuc don");
 * - `pattern`: a regular expression on the text as sent (NFC, trimmed), so case and accents
 *   count unless the pattern says otherwise (`/i`); `fold: true` runs it on the folded text instead;
 * - `postback`: a chip's postbackData, exactly.
 */
export type RouteCondition =
  | { readonly match: string | readonly string[] }
  | { readonly pattern: RegExp | string; readonly fold?: boolean }
  | { readonly postback: string | readonly string[] };

const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

interface PatternRoute {
  readonly index: number;
  readonly regex: RegExp;
  readonly fold: boolean;
}

/**
 * Finds the route for a message. Words and phrases are looked up by hash on the folded text,
 * one lookup per n-gram of the message, so the cost does not grow with the number of routes;
 * the longest phrase wins, then the earliest. Regular expressions are tried after, in order,
 * against the text as sent (NFC, trimmed), or the folded text for `fold: true` routes.
 * Postbacks match exactly.
 *
 * @example
 * const m = new KeywordMatcher([{ match: ['menu', 'thực đơn'] }, { pattern: /^order (.+)$/i }]);
 * m.matchText('THUC DON please'); // { route: <routes[0]>, match: { phrase: 'thuc don', … } }
 * m.matchText('Order Phở bò');    // { route: <routes[1]>, match: { captures: ['Phở bò'], … } }
 */
export class KeywordMatcher<R extends RouteCondition = RouteCondition> {
  private readonly phrases = new Map<string, number>();
  private readonly patterns: PatternRoute[] = [];
  private readonly postbacks = new Map<string, number>();
  private longest = 0;

  constructor(
    readonly routes: readonly R[],
    field = 'routes',
  ) {
    routes.forEach((route, index) => {
      const at = `${field}.${index}`;
      if ('match' in route) {
        for (const phrase of list(route.match)) {
          const folded = normalizeText(phrase);
          if (folded === '') throw new ConfigError(`${at}.match: expected words with letters or digits, got ${JSON.stringify(phrase)}`);
          const taken = this.phrases.get(folded);
          if (taken !== undefined) {
            throw new ConfigError(`${at}.match: "${phrase}" is already matched by ${field}.${taken}; expected each word or phrase once`);
          }
          this.phrases.set(folded, index);
          this.longest = Math.max(this.longest, folded.split(' ').length);
        }
      } else if ('pattern' in route) {
        this.patterns.push({ index, regex: compile(route.pattern, `${at}.pattern`), fold: route.fold === true });
      } else if ('postback' in route) {
        for (const data of list(route.postback)) {
          if (this.postbacks.has(data)) throw new ConfigError(`${at}.postback: "${data}" is already routed; expected each postbackData once`);
          this.postbacks.set(data, index);
        }
      } else {
        throw new ConfigError(`${at}: expected one of "match" (words or phrases), "pattern" (a regular expression) or "postback"`);
      }
    });
  }

  /** The route for a text, or undefined. `normalized` is `normalizeText(text)`, if already at hand. */
  matchText(text: string, normalized = normalizeText(text)): { route: R; match: RouteMatch } | undefined {
    if (this.phrases.size > 0 && normalized !== '') {
      const words = normalized.split(' ');
      for (let size = Math.min(this.longest, words.length); size >= 1; size -= 1) {
        for (let start = 0; start + size <= words.length; start += 1) {
          const phrase = size === 1 ? words[start]! : words.slice(start, start + size).join(' ');
          const index = this.phrases.get(phrase);
          if (index !== undefined) {
            return { route: this.routes[index]!, match: { text, normalized, input: normalized, phrase, captures: [], groups: {} } };
          }
        }
      }
    }
    if (this.patterns.length === 0) return undefined;
    const sent = sentText(text);
    for (const { index, regex, fold } of this.patterns) {
      const input = fold ? normalized : sent;
      // Nothing typed (or, folded, nothing but punctuation) is no message to match.
      if (input === '') continue;
      const found = regex.exec(input);
      if (found !== null) {
        return {
          route: this.routes[index]!,
          match: { text, normalized, input, captures: found.slice(1).map((c) => c ?? ''), groups: { ...(found.groups ?? {}) } },
        };
      }
    }
    return undefined;
  }

  /** The route for a chip's postbackData, or undefined. */
  matchPostback(postbackData: string, text = ''): { route: R; match: RouteMatch } | undefined {
    const index = this.postbacks.get(postbackData);
    if (index === undefined) return undefined;
    return { route: this.routes[index]!, match: { text, normalized: normalizeText(text), input: postbackData, postbackData, captures: [], groups: {} } };
  }

  /**
   * The index of the route that would take a whole message: a word/phrase route equal to the
   * folded message, else the first pattern route matching it (as sent, or folded).
   */
  wouldMatch(text: string): number | undefined {
    const normalized = normalizeText(text);
    const index = this.phrases.get(normalized);
    if (index !== undefined) return index;
    const sent = sentText(text);
    return this.patterns.find(({ regex, fold }) => {
      const input = fold ? normalized : sent;
      return input !== '' && regex.test(input);
    })?.index;
  }
}

/**
 * A route's pattern as a RegExp: a string is compiled with the `u` flag; `g` and `y` are
 * dropped (they make matching stateful). Its type is checked by the keywords options schema.
 */
function compile(source: RegExp | string, at: string): RegExp {
  try {
    return typeof source === 'string' ? new RegExp(source, 'u') : new RegExp(source.source, source.flags.replace(/[gy]/g, ''));
  } catch (error) {
    throw new ConfigError(`${at}: expected a valid regular expression: ${(error as Error).message}`);
  }
}
