import type { HandlerContext, ReplyInput } from 'rbmkit';
import { normalizeText } from '../normalize-text.js';

/** What a step sends: a reply, or a function of the answers so far making one. */
export type Prompt<V> = ReplyInput | ((values: V) => ReplyInput | Promise<ReplyInput>);

const INVALID = Symbol('rbmkit.flow.invalid');

/** What a validator returns for an answer it refuses: the flow asks again, with `message` if given. */
export interface Invalid {
  readonly [INVALID]: true;
  readonly message: ReplyInput | undefined;
}

/**
 * Refuses an answer from an `ask` step's validator: the user is asked again (with `message`,
 * else the step's prompt once more), and the flow stays at that step.
 *
 * @example
 * .ask('guests', 'How many guests?', (text) => (/^\d+$/.test(text) ? Number(text) : invalid('Please send a number, like 4.')))
 */
export function invalid(message?: ReplyInput): Invalid {
  return { [INVALID]: true, message };
}

/**
 * Whether a validator's result refused the answer.
 *
 * @example
 * isInvalid(invalid('again')); // true
 */
export function isInvalid(value: unknown): value is Invalid {
  return typeof value === 'object' && value !== null && (value as Invalid)[INVALID] === true;
}

/** What starts a flow: whole-message words (folded: case, accents, punctuation ignored), a chip's postbackData, or a test of the event. */
export interface FlowStart {
  readonly words?: readonly string[];
  readonly postback?: string | readonly string[];
  readonly when?: (event: { readonly type: 'text' | 'suggestion'; readonly text: string; readonly postbackData?: string | undefined }) => boolean;
}

/** A flow's settings. */
export interface FlowOptions {
  /** What starts it. A flow without `start` never starts by itself. */
  readonly start?: FlowStart;
  /** How long a step waits for its answer, from the moment it asked. Default 30 minutes. */
  readonly timeoutMs?: number;
  /** Said when the user answers after the timeout (the flow has ended). Default: nothing said. */
  readonly timedOut?: ReplyInput;
  /** Said when the user cancels. Default "Cancelled." */
  readonly cancelled?: ReplyInput;
  /** Refused answers in a row before the flow gives up (says `gaveUp`, ends). Default: no limit. */
  readonly maxRetries?: number;
  /** Said when the flow gives up after `maxRetries`. Default "Let's stop here." */
  readonly gaveUp?: ReplyInput;
}

/** One step of a flow, as the engine runs it. */
export type FlowStep =
  | { readonly kind: 'say'; readonly key: string; readonly prompt: Prompt<never> }
  | {
      readonly kind: 'choose';
      readonly key: string;
      readonly prompt: Prompt<never>;
      readonly chips: readonly string[];
      readonly when?: ((values: never) => boolean) | undefined;
      readonly next?: ((answer: never, values: never) => string | undefined) | undefined;
    }
  | {
      readonly kind: 'ask';
      readonly key: string;
      readonly prompt: Prompt<never>;
      readonly parse: (text: string, values: never) => unknown;
      readonly when?: ((values: never) => boolean) | undefined;
      readonly next?: ((answer: never, values: never) => string | undefined) | undefined;
    }
  | {
      readonly kind: 'location';
      readonly key: string;
      readonly prompt: Prompt<never>;
      /** The text of the share-location chip sent with the prompt. */
      readonly chip: string;
      readonly when?: ((values: never) => boolean) | undefined;
      readonly next?: ((answer: never, values: never) => string | undefined) | undefined;
    };

/** A shared location, as a `location` step's answer. */
export interface SharedLocation {
  readonly latitude: number;
  readonly longitude: number;
}

/** A flow, ready to give to the `flows` plugin. `V` is the type of its answers. */
export interface Flow<V = Record<string, unknown>> {
  readonly name: string;
  readonly options: FlowOptions;
  readonly steps: readonly FlowStep[];
  /** Runs once every step was answered; the flow has ended when it returns. */
  readonly finish: ((values: V, ctx: HandlerContext) => unknown) | undefined;
}

/** A step key not used yet (give literal keys: a plain `string` one would hide every later key). */
type NewKey<K extends string, V> = K extends keyof V ? never : K;
/** The keys of earlier steps: where `next` may go back to (the step itself: asked again). */
type Earlier<V, K extends string> = Extract<keyof V, string> | K;
/** An `ask` step's answer: what `parse` returns, but never its refusals. */
type Answer<R> = Exclude<Awaited<R>, Invalid | undefined>;

/** Options of a question step: skip it unless `when`; go back to an earlier step with `next`. */
export interface StepOptions<V, K extends string, T> {
  /** Asks this step only when it returns true; its answer is then possibly undefined. */
  readonly when?: (values: V) => boolean;
  /**
   * After this answer: the key of an earlier step to ask it again and then come back here
   * (an edit: the answers in between are kept), or undefined to go on.
   */
  readonly next?: (answer: T, values: V & { readonly [P in K]: T }) => Earlier<V, K> | undefined;
}

type With<V, K extends string, T> = V & { readonly [P in K]: T };
type WithMaybe<V, K extends string, T> = V & { readonly [P in K]?: T };

/** Builds a flow step by step; each question adds its answer to the type of the values. */
export interface FlowBuilder<V> {
  /**
   * Sends a message and goes on at once.
   *
   * @example
   * .say((v) => `Thanks, ${v.name}!`)
   */
  say(prompt: Prompt<V>): FlowBuilder<V>;
  /**
   * Asks with reply chips and waits for a tap (or the chip's text typed); anything else is
   * asked again. The answer is the chip's text, typed as the union of the chips.
   *
   * @example
   * .choose('size', 'Which size?', ['Small', 'Large'])   // values.size: 'Small' | 'Large'
   */
  choose<K extends string, C extends string>(
    key: NewKey<K, V>,
    prompt: Prompt<V>,
    chips: readonly [C, ...C[]],
    options: StepOptions<V, K, C> & { readonly when: (values: V) => boolean },
  ): FlowBuilder<WithMaybe<V, K, C>>;
  choose<K extends string, C extends string>(key: NewKey<K, V>, prompt: Prompt<V>, chips: readonly [C, ...C[]], options?: StepOptions<V, K, C>): FlowBuilder<With<V, K, C>>;
  /**
   * Asks and waits for a text, checked by `parse`: what it returns is the answer (JSON, as it
   * is stored in the session), {@link invalid} (or undefined) asks again. Without `parse`, the
   * trimmed text.
   *
   * @example
   * .ask('guests', 'How many?', (text) => (Number(text) > 0 ? Number(text) : invalid('A number, please')))
   */
  ask<K extends string, R = string>(
    key: NewKey<K, V>,
    prompt: Prompt<V>,
    parse: ((text: string, values: V) => R) | undefined,
    options: StepOptions<V, K, Answer<R>> & { readonly when: (values: V) => boolean },
  ): FlowBuilder<WithMaybe<V, K, Answer<R>>>;
  ask<K extends string, R = string>(
    key: NewKey<K, V>,
    prompt: Prompt<V>,
    parse?: (text: string, values: V) => R,
    options?: StepOptions<V, K, Answer<R>>,
  ): FlowBuilder<With<V, K, Answer<R>>>;
  /**
   * Asks the user to share their location (with a share-location chip, `options.chip`,
   * default "Share location") and waits for it; a text instead is asked again.
   *
   * @example
   * .location('where', 'Where should we deliver?')   // values.where: { latitude, longitude }
   */
  location<K extends string>(
    key: NewKey<K, V>,
    prompt: Prompt<V>,
    options: StepOptions<V, K, SharedLocation> & { readonly chip?: string; readonly when: (values: V) => boolean },
  ): FlowBuilder<WithMaybe<V, K, SharedLocation>>;
  location<K extends string>(key: NewKey<K, V>, prompt: Prompt<V>, options?: StepOptions<V, K, SharedLocation> & { readonly chip?: string }): FlowBuilder<With<V, K, SharedLocation>>;
  /**
   * Ends the builder: `finish` runs once the last step was answered, with every answer.
   *
   * @example
   * .done(async (v, ctx) => { await ctx.reply(`Booked for ${v.guests}`); })
   */
  done(finish?: (values: V, ctx: HandlerContext) => unknown): Flow<V>;
}

/** RBM's limits on a reply chip: 25 characters, 11 chips per message. */
const CHIP_CHARS = 25;
const MAX_CHIPS = 11;

/**
 * Starts a flow: the steps of one conversation, written in order. Its state is stored as a
 * record (flow, step, answers) in the session store, so a restart, a redelivery or another
 * worker goes on at the same step. Give it to the `flows` plugin.
 *
 * @example
 * const booking = defineFlow('booking', { start: { words: ['book'] } })
 *   .choose('guests', 'For how many?', ['2', '4', '6'])
 *   .ask('name', 'Under what name?')
 *   .done((v, ctx) => ctx.reply(`Table for ${v.guests}, ${v.name}: booked.`));
 */
export function defineFlow(name: string, options: FlowOptions = {}): FlowBuilder<{}> {
  if (typeof name !== 'string' || name.trim() === '') throw new TypeError('defineFlow: expected a non-empty flow name, e.g. "booking"');
  if (options.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new TypeError(`defineFlow(${name}): expected timeoutMs to be a positive number of milliseconds, got ${String(options.timeoutMs)}`);
  }
  if (options.maxRetries !== undefined && !(Number.isInteger(options.maxRetries) && options.maxRetries >= 0)) {
    throw new TypeError(`defineFlow(${name}): expected maxRetries to be a whole number >= 0, got ${String(options.maxRetries)}`);
  }
  return builder(name, options, []) as unknown as FlowBuilder<{}>;
}

function builder(name: string, options: FlowOptions, steps: readonly FlowStep[]): FlowBuilder<never> {
  const where = (key: string) => `defineFlow(${name}).${key}`;
  const checkKey = (key: unknown): string => {
    if (typeof key !== 'string' || key === '') throw new TypeError(`defineFlow(${name}): expected a non-empty step key, got ${JSON.stringify(key)}`);
    if (steps.some((step) => step.key === key)) throw new TypeError(`${where(key)}: the key "${key}" is used twice; expected one step per key`);
    return key;
  };
  const hooks = (key: string, given: { when?: unknown; next?: unknown } | undefined) => {
    for (const hook of ['when', 'next'] as const) {
      if (given?.[hook] !== undefined && typeof given[hook] !== 'function') throw new TypeError(`${where(key)}: expected options.${hook} to be a function`);
    }
    return { when: given?.when as never, next: given?.next as never };
  };
  const add = (step: FlowStep) => builder(name, options, [...steps, step]);
  const flowBuilder: FlowBuilder<never> = {
    say: (prompt) => add({ kind: 'say', key: `#say${steps.length}`, prompt: prompt as Prompt<never> }),
    choose: (key: string, prompt: Prompt<never>, chips: readonly string[], given?: StepOptions<never, string, string>) => {
      checkKey(key);
      if (!Array.isArray(chips) || chips.length === 0 || chips.length > MAX_CHIPS) {
        throw new TypeError(`${where(key)}: expected 1 to ${MAX_CHIPS} chips (RBM's limit per message), got ${Array.isArray(chips) ? chips.length : typeof chips}`);
      }
      const folded = new Set<string>();
      for (const chip of chips) {
        if (typeof chip !== 'string' || chip.trim() === '' || chip.length > CHIP_CHARS) {
          throw new TypeError(`${where(key)}: expected each chip to be a text of 1 to ${CHIP_CHARS} characters, got ${JSON.stringify(chip)}`);
        }
        const fold = normalizeText(chip);
        if (folded.has(fold)) throw new TypeError(`${where(key)}: the chips ${JSON.stringify(chip)} and another read alike; expected chips a user can tell apart`);
        folded.add(fold);
      }
      return add({ kind: 'choose', key, prompt, chips: [...chips], ...hooks(key, given) });
    },
    ask: (key: string, prompt: Prompt<never>, parse?: (text: string, values: never) => unknown, given?: StepOptions<never, string, unknown>) => {
      checkKey(key);
      if (parse !== undefined && typeof parse !== 'function') throw new TypeError(`${where(key)}: expected parse to be a function (text, values) => answer | invalid(...)`);
      return add({ kind: 'ask', key, prompt, parse: parse ?? ((text: string) => text), ...hooks(key, given) });
    },
    location: (key: string, prompt: Prompt<never>, given?: StepOptions<never, string, SharedLocation> & { chip?: string }) => {
      checkKey(key);
      const chip = given?.chip ?? 'Share location';
      if (typeof chip !== 'string' || chip.trim() === '' || chip.length > CHIP_CHARS) {
        throw new TypeError(`${where(key)}: expected options.chip to be a text of 1 to ${CHIP_CHARS} characters, got ${JSON.stringify(chip)}`);
      }
      return add({ kind: 'location', key, prompt, chip, ...hooks(key, given) });
    },
    done: (finish) => {
      if (!steps.some((step) => step.kind !== 'say')) throw new TypeError(`defineFlow(${name}): expected at least one question (choose, ask or location) before done()`);
      if (finish !== undefined && typeof finish !== 'function') throw new TypeError(`defineFlow(${name}).done: expected a function (values, ctx)`);
      return Object.freeze({ name, options, steps, finish: finish as Flow<never>['finish'] });
    },
  } as FlowBuilder<never>;
  return flowBuilder;
}
