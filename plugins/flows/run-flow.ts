import { suggestions, type HandlerContext, type ReplyInput } from 'rbmkit';
import { normalizeText } from '../normalize-text.js';
import { withSuggestions } from '../with-suggestions.js';
import { isInvalid, type Flow, type FlowStep, type Prompt, type SharedLocation } from './define-flow.js';
import type { FlowRecord } from './flow-record.js';

/** A user's message as a flow reads it: a text, or a chip tap (its text and postbackData). */
export interface Turn {
  readonly eventId: string;
  /** When the user sent it (see {@link turnTime}). */
  readonly at: number;
  /** The text (a tap: the chip's text; a location: empty). */
  readonly text: string;
  readonly postbackData: string | undefined;
  /** A shared location. */
  readonly location?: SharedLocation | undefined;
}

/**
 * When the user sent a message (ms): its `sendTime`, so that a redelivery is judged at the time
 * of the first delivery (a timeout passed meanwhile must not change what a rerun answers);
 * never later than now.
 *
 * @example
 * turnTime('2026-12-04T10:00:00Z', Date.now()); // 1796378400000
 */
export function turnTime(sendTime: string | undefined, now: number): number {
  const sent = sendTime === undefined ? Number.NaN : Date.parse(sendTime);
  return Number.isFinite(sent) ? Math.min(sent, now) : now;
}

/** Whether a tap is on one of the chips the record's step sent. */
export function isCurrentChip(record: FlowRecord, turn: Turn): boolean {
  return turn.postbackData?.startsWith(`${CHIP_PREFIX}${record.flow}:${record.step}:`) === true;
}

/** How long a step waits for its answer unless the flow says. */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

/** Every chip a flow sends carries this postbackData prefix: a tap on one from an earlier step is told apart. */
const CHIP_PREFIX = 'flow:';

type Question = Extract<FlowStep, { kind: 'choose' | 'ask' | 'location' }>;
type Values = Readonly<Record<string, unknown>>;

/**
 * Starts `flow` for this user: sends its first messages up to its first question and returns
 * the record to store, or undefined when it ran to its end at once.
 *
 * @example
 * const record = await beginFlow(booking, ctx, turn, Date.now());
 */
export function beginFlow(flow: Flow<never>, ctx: HandlerContext, turn: Turn, now: number): Promise<FlowRecord | undefined> {
  return advance(flow, {}, 0, ctx, turn, now);
}

/**
 * Takes the user's answer to the step the record waits at: a valid one is stored and the flow
 * goes on (to the next question, back to an earlier one, or its end); another is refused and
 * asked again. Returns the record to store (undefined: the flow ended), or `unknown-step` when
 * the record names a step this flow no longer has (its code changed).
 *
 * @example
 * const next = await answerFlow(booking, record, ctx, turn, Date.now());
 */
export async function answerFlow(flow: Flow<never>, record: FlowRecord, ctx: HandlerContext, turn: Turn, now: number): Promise<FlowRecord | undefined | 'unknown-step'> {
  const index = flow.steps.findIndex((step) => step.key === record.step && step.kind !== 'say');
  if (index < 0) return 'unknown-step';
  const step = flow.steps[index] as Question;
  // A tap on a chip of an earlier question answers nothing: asked again.
  if (turn.postbackData?.startsWith(CHIP_PREFIX) === true && !isCurrentChip(record, turn)) {
    return refuse(flow, step, record, ctx, turn, now, step.kind === 'choose' ? `Please choose one of: ${step.chips.join(', ')}.` : undefined);
  }
  let answer: unknown;
  if (step.kind === 'location' && turn.location === undefined && isCurrentChip(record, turn)) {
    // The tap on the share-location chip itself: the location follows as its own event.
    return { ...record, lastEventId: turn.eventId };
  }
  if (step.kind === 'choose') {
    answer = turn.location === undefined ? chipOf(flow, step, turn) : undefined;
    if (answer === undefined) return refuse(flow, step, record, ctx, turn, now, `Please choose one of: ${step.chips.join(', ')}.`);
  } else if (step.kind === 'location') {
    if (turn.location === undefined) return refuse(flow, step, record, ctx, turn, now, `Please share your location: tap "${step.chip}".`);
    answer = { latitude: turn.location.latitude, longitude: turn.location.longitude };
  } else {
    // A location is no text answer.
    answer = turn.location === undefined ? await step.parse(turn.text.trim(), record.values as never) : undefined;
    if (answer === undefined || isInvalid(answer)) return refuse(flow, step, record, ctx, turn, now, isInvalid(answer) ? answer.message : undefined);
  }
  const values = { ...record.values, [step.key]: answer };
  const back = step.next?.(answer as never, values as never);
  if (back !== undefined) {
    // Asks that step again, then this one: an edit, the answers in between kept (itself: asked again).
    const to = questionIndex(flow, back);
    if (to < 0) throw new Error(`flow "${flow.name}": next() of step "${step.key}" returned ${JSON.stringify(back)}; expected the key of one of its questions`);
    return advance(flow, values, to, ctx, turn, now, back === step.key ? record.returnTo : step.key);
  }
  const resume = record.returnTo === undefined ? -1 : questionIndex(flow, record.returnTo);
  return advance(flow, values, resume < 0 ? index + 1 : resume, ctx, turn, now);
}

function questionIndex(flow: Flow<never>, key: string): number {
  return flow.steps.findIndex((step) => step.key === key && step.kind !== 'say');
}

/** Sends the steps from `from` on, up to the next question (its record returned) or the end (`finish` run, undefined). */
async function advance(
  flow: Flow<never>,
  values: Values,
  from: number,
  ctx: HandlerContext,
  turn: Turn,
  now: number,
  returnTo?: string,
): Promise<FlowRecord | undefined> {
  for (let i = from; i < flow.steps.length; i += 1) {
    const step = flow.steps[i]!;
    if (step.kind === 'say') {
      await ctx.reply(await render(step.prompt, values));
      continue;
    }
    if (step.when !== undefined && !step.when(values as never)) continue;
    await ctx.reply(await question(flow, step, step.prompt, values));
    return recordAt(flow, step, values, 0, turn, now, returnTo);
  }
  await flow.finish?.(values as never, ctx);
  return undefined;
}

/** An answer refused: asked again (with `message`, else the prompt), or the flow given up past `maxRetries`. */
async function refuse(
  flow: Flow<never>,
  step: Question,
  record: FlowRecord,
  ctx: HandlerContext,
  turn: Turn,
  now: number,
  message: ReplyInput | undefined,
): Promise<FlowRecord | undefined> {
  const retries = record.retries + 1;
  const most = flow.options.maxRetries;
  if (most !== undefined && retries > most) {
    await ctx.reply(flow.options.gaveUp ?? "Let's stop here.");
    return undefined;
  }
  await ctx.reply(await question(flow, step, message ?? step.prompt, record.values));
  return recordAt(flow, step, record.values, retries, turn, now, record.returnTo);
}

/** A question's message: its prompt, with its chips for a `choose` step. */
async function question(flow: Flow<never>, step: Question, prompt: Prompt<never>, values: Values): Promise<ReplyInput> {
  const reply = await render(prompt, values);
  if (step.kind === 'location') return withSuggestions(reply, [suggestions.shareLocation(step.chip, { postbackData: `${CHIP_PREFIX}${flow.name}:${step.key}:location` })]);
  if (step.kind !== 'choose') return reply;
  return withSuggestions(reply, step.chips.map((chip, i) => suggestions.reply(chip, `${CHIP_PREFIX}${flow.name}:${step.key}:${i}`)));
}

function render(prompt: Prompt<never>, values: Values): ReplyInput | Promise<ReplyInput> {
  return typeof prompt === 'function' ? prompt(values as never) : prompt;
}

/** The chip a turn picks: a tap on one of this step's chips, or its text typed (folded); undefined otherwise, a tap on an older chip too. */
function chipOf(flow: Flow<never>, step: Extract<FlowStep, { kind: 'choose' }>, turn: Turn): string | undefined {
  if (turn.postbackData?.startsWith(CHIP_PREFIX) === true) {
    const ours = `${CHIP_PREFIX}${flow.name}:${step.key}:`;
    if (!turn.postbackData.startsWith(ours)) return undefined;
    return step.chips[Number(turn.postbackData.slice(ours.length))];
  }
  const typed = normalizeText(turn.text);
  return step.chips.find((chip) => normalizeText(chip) === typed);
}

function recordAt(flow: Flow<never>, step: Question, values: Values, retries: number, turn: Turn, now: number, returnTo: string | undefined): FlowRecord {
  const timeout = flow.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const record: FlowRecord = { v: 1, flow: flow.name, step: step.key, values, askedAt: now, expiresAt: now + timeout, retries, lastEventId: turn.eventId };
  return returnTo === undefined ? record : { ...record, returnTo };
}
