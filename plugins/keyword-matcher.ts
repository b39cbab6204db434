import { ConfigError } from 'rbmkit';
import { normalizeText } from './normalize-text.js';

/** What matched, handed to a route's handler. */
export interface RouteMatch {
  /** The message text (or chip text) as the user sent it. */
  readonly text: string;
  /** The folded text the route was matched against. */
  readonly normalized: string;
  /** The folded phrase that matched, for word/phrase routes. */
  readonly phrase?: string;
  /** A regular expression route's numbered captures (from the folded text). */
  readonly captures: readonly string[];
  /** A regular expression route's named captures. */
  readonly groups: Readonly<Record<string, string>>;
  /** The chip's postbackData, for postback routes. */
  readonly postbackData?: string;
}

/** The three ways a route can match. */
export type RouteCondition =
  | { readonly match: string | readonly string[] }
  | { readonly pattern: RegExp | string }
  | { readonly postback: string | readonly string[] };

const list = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

/**
 * Finds the route for a message. Words and phrases are looked up by hash, one lookup per
 * n-gram of the message, so the cost does not grow with the number of routes; the longest
 * phrase wins, then the earliest. Regular expressions are tried after, in order, against
 * the folded text. Postbacks match exactly.
 *
 * @example
 * const m = new KeywordMatcher([{ match: ['menu', 'thực đơn'] }, { pattern: /order (\d+)/ }]);
 * m.matchText('THUC DON please'); // { index: 0, match: { phrase: 'thuc don', … } }
 */
export class KeywordMatcher<R extends RouteCondition = RouteCondition> {
  private readonly phrases = new Map<string, number>();
  private readonly patterns: Array<{ index: number; regex: RegExp }> = [];
  private readonly postbacks = new Map<string, number>();
  private longest = 0;

  constructor(
    readonly routes: readonly R[],
    field = 'routes',
  ) {
    routes.forEach((route, index) => {
      const at = `${field}[${index}]`;
      if ('match' in route) {
        for (const phrase of list(route.match)) {
          const folded = normalizeText(phrase);
          if (folded === '') throw new ConfigError(`${at}.match: expected words with letters or digits, got ${JSON.stringify(phrase)}`);
          const taken = this.phrases.get(folded);
          if (taken !== undefined) {
            throw new ConfigError(`${at}.match: "${phrase}" is already matched by ${field}[${taken}]; expected each word or phrase once`);
          }
          this.phrases.set(folded, index);
          this.longest = Math.max(this.longest, folded.split(' ').length);
        }
      } else if ('pattern' in route) {
        const source = route.pattern;
        let regex: RegExp;
        try {
          regex = typeof source === 'string' ? new RegExp(source, 'u') : new RegExp(source.source, source.flags.replace(/[gy]/g, ''));
        } catch (error) {
          throw new ConfigError(`${at}.pattern: expected a valid regular expression: ${(error as Error).message}`);
        }
        this.patterns.push({ index, regex });
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

  /** The route for a text, or undefined. */
  matchText(text: string, normalized = normalizeText(text)): { route: R; match: RouteMatch } | undefined {
    if (normalized === '') return undefined;
    if (this.phrases.size > 0) {
      const words = normalized.split(' ');
      for (let size = Math.min(this.longest, words.length); size >= 1; size -= 1) {
        for (let start = 0; start + size <= words.length; start += 1) {
          const phrase = size === 1 ? words[start]! : words.slice(start, start + size).join(' ');
          const index = this.phrases.get(phrase);
          if (index !== undefined) return { route: this.routes[index]!, match: { text, normalized, phrase, captures: [], groups: {} } };
        }
      }
    }
    for (const { index, regex } of this.patterns) {
      const found = regex.exec(normalized);
      if (found !== null) {
        return {
          route: this.routes[index]!,
          match: { text, normalized, captures: found.slice(1).map((c) => c ?? ''), groups: { ...(found.groups ?? {}) } },
        };
      }
    }
    return undefined;
  }

  /** The route for a chip's postbackData, or undefined. */
  matchPostback(postbackData: string, text = ''): { route: R; match: RouteMatch } | undefined {
    const index = this.postbacks.get(postbackData);
    if (index === undefined) return undefined;
    return { route: this.routes[index]!, match: { text, normalized: normalizeText(text), postbackData, captures: [], groups: {} } };
  }

  /** Whether some word/phrase or pattern route would match this folded text. */
  wouldMatch(normalized: string): number | undefined {
    const index = this.phrases.get(normalized);
    if (index !== undefined) return index;
    return this.patterns.find(({ regex }) => regex.test(normalized))?.index;
  }
}
