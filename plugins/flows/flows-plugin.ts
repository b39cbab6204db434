import { ConfigError, definePlugin, type Agent, type HandlerContext, type Plugin, type ReplyInput } from 'rbmkit';
import { z } from 'zod';
import { normalizeText } from '../normalize-text.js';
import type { Flow } from './define-flow.js';
import { recentEvents, toFlowRecord, withRecent, type FlowRecord } from './flow-record.js';
import { answerFlow, beginFlow, isCurrentChip, turnTime, type Turn } from './run-flow.js';

/** Whole-message words that cancel the open flow; it says so and claims the message. */
export const DEFAULT_CANCEL_WORDS = ['cancel', 'exit', 'never mind', 'nevermind'];
/** Whole-message words that end the open flow silently and leave the message to the plugins after (opt-out handling). */
export const DEFAULT_FLOW_STOP_WORDS = ['stop', 'stopall', 'unsubscribe', 'end', 'quit', 'opt out', 'revoke'];

/** How long a record is kept past its timeout, so a late answer still hears `timedOut`. */
const KEPT_AFTER_TIMEOUT_MS = 24 * 60 * 60 * 1000;
/** How long an ended flow's last events are remembered: the dedupe store is the first guard against a redelivery, this one covers a store that forgot. */
const ENDED_KEPT_MS = 6 * 60 * 60 * 1000;

/** The options of `flows`. */
export interface FlowsOptions {
  /** The flows this agent runs, each made with `defineFlow`; names unique. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly flows: readonly Flow<any>[];
  /** Words that cancel the open flow. Default {@link DEFAULT_CANCEL_WORDS}. */
  readonly cancelWords?: readonly string[];
  /** Words that end the open flow without a word, for an opt-out plugin after this one. Default {@link DEFAULT_FLOW_STOP_WORDS}. */
  readonly stopWords?: readonly string[];
  /** Said when a flow's start ends another flow that was open. Default: nothing. */
  readonly switched?: ReplyInput;
}

const given = (value: unknown) => (value === undefined ? 'nothing' : (JSON.stringify(value) ?? typeof value).slice(0, 80));
const isFlow = (value: unknown): value is Flow =>
  typeof value === 'object' && value !== null && typeof (value as Flow).name === 'string' && Array.isArray((value as Flow).steps);
const words = z.array(z.string({ error: (issue) => `expected a word, got ${given(issue.input)}` })).readonly();
const flowsOptions = z
  .strictObject({
    flows: z
      .array(z.custom<Flow>(isFlow, { error: (issue) => `expected a flow made with defineFlow(...).done(), got ${given(issue.input)}` }))
      .min(1, { error: 'expected at least one flow' })
      .readonly(),
    cancelWords: words.optional(),
    stopWords: words.optional(),
    switched: z.custom<ReplyInput>((value) => typeof value === 'string' || (typeof value === 'object' && value !== null)).optional(),
  })
  .superRefine((options, ctx) => {
    const names = new Set<string>();
    for (const flow of options.flows) {
      if (names.has(flow.name)) ctx.addIssue({ code: 'custom', path: ['flows'], message: `the flow name "${flow.name}" is used twice; expected one flow per name` });
      names.add(flow.name);
    }
  }) as unknown as z.ZodType<FlowsOptions, FlowsOptions>;

/**
 * Runs conversation flows (see `defineFlow`): a flow starts on its `start` words or chip,
 * asks its questions one by one, and only the user's texts, chip taps and shared locations
 * move it (receipts, typing and other traffic never do). While a flow is open it claims the user's messages, so
 * keyword routes and fallbacks (echo) do not answer them; cancel words end it with a word,
 * STOP-like words end it and pass on to opt-out handling; a late answer (past `timeoutMs`)
 * ends it. Put it before `keywords` in the agent's list.
 *
 * @example
 * plugins: [flows.with({ flows: [booking] }), keywords.with({ routes }), echo]
 */
export const flows = definePlugin({
  name: 'flows',
  options: flowsOptions,
  setup: (agent, options) => runFlows(agent, options),
});

/**
 * A plugin of its own name running these flows: for a config file, which names plugins (export
 * it from a `pluginModules` module), or to run two sets of flows apart. The options are checked
 * here, at once.
 *
 * @example
 * export const tableBooking = flowsPlugin('table-booking', { flows: [booking] });
 * // rbmkit.yaml: pluginModules: [./plugins.ts], plugins: [table-booking, echo]
 */
export function flowsPlugin(name: string, options: FlowsOptions): Plugin<Record<string, never>> {
  const parsed = flowsOptions.safeParse(options);
  if (!parsed.success) throw new ConfigError(`flowsPlugin(${name}): ${parsed.error.issues.map((issue) => issue.message).join('; ')}`);
  return definePlugin({ name, setup: (agent) => runFlows(agent, parsed.data) });
}

/** Subscribes the flow engine for one agent. */
function runFlows(agent: Agent, options: FlowsOptions): void {
  const byName = new Map<string, Flow<never>>(options.flows.map((flow) => [flow.name, flow as Flow<never>]));
  const cancelWords = new Set((options.cancelWords ?? DEFAULT_CANCEL_WORDS).map(normalizeText));
  const stopWords = new Set((options.stopWords ?? DEFAULT_FLOW_STOP_WORDS).map(normalizeText));
  const starts = options.flows.map((flow) => ({
    flow: flow as Flow<never>,
    words: new Set((flow.options.start?.words ?? []).map(normalizeText)),
    postbacks: new Set(typeof flow.options.start?.postback === 'string' ? [flow.options.start.postback] : (flow.options.start?.postback ?? [])),
    when: flow.options.start?.when,
  }));

  /** The flow this message starts, if any. */
  const startedBy = (turn: Turn, type: 'text' | 'suggestion' | 'location', folded: string): Flow<never> | undefined =>
    type === 'location' ? undefined : starts.find(
      (start) =>
        (turn.postbackData !== undefined && start.postbacks.has(turn.postbackData)) ||
        (folded !== '' && start.words.has(folded)) ||
        start.when?.({ type, text: turn.text, postbackData: turn.postbackData }) === true,
    )?.flow;

  /** Stores the open flow's record, or (it ended) what an ended flow leaves: the events that moved it, so their redeliveries move nothing. */
  const save = (ctx: HandlerContext, record: FlowRecord | undefined, recent: readonly string[], turn: Turn, now: number) => {
    const moved = withRecent(recent, turn.eventId);
    return record === undefined
      ? ctx.session.set({ v: 1, ended: true, recent: moved }, ENDED_KEPT_MS)
      : ctx.session.set({ ...record, recent: moved }, Math.max(1, record.expiresAt - now + KEPT_AFTER_TIMEOUT_MS));
  };

  async function onTurn(turn: Turn, type: 'text' | 'suggestion' | 'location', ctx: HandlerContext): Promise<void> {
    const stored = await ctx.session.get();
    const recent = recentEvents(stored);
    // A redelivery of a message that already moved a flow (or ended one): answered, nothing moves.
    if (recent.includes(turn.eventId)) return ctx.claim();
    const now = turn.at;
    const record = toFlowRecord(stored);
    let open = record !== undefined && byName.has(record.flow) ? record : undefined;
    const folded = normalizeText(turn.text);
    // A tap on the open step's own chip is its answer, whatever its text says ("End", "Cancel").
    const chip = open !== undefined && isCurrentChip(open, turn);
    const stop = !chip && stopWords.has(folded);
    let timedOutSaid = false;
    if (open !== undefined && now > open.expiresAt) {
      // Too late: the flow has ended. STOP still goes on to opt-out handling, unclaimed.
      if (stop) return ctx.session.clear();
      const timedOut = byName.get(open.flow)!.options.timedOut;
      open = undefined;
      if (timedOut !== undefined) {
        ctx.claim();
        await ctx.reply(timedOut);
        timedOutSaid = true;
      }
    }
    const starting = chip ? undefined : startedBy(turn, type, folded);
    if (open !== undefined && starting === undefined) {
      const flow = byName.get(open.flow)!;
      // STOP ends the flow silently and leaves the message to opt-out handling.
      if (stop) return ctx.session.clear();
      ctx.claim();
      if (!chip && cancelWords.has(folded)) {
        await ctx.reply(flow.options.cancelled ?? 'Cancelled.');
        return save(ctx, undefined, recent, turn, now);
      }
      const next = await answerFlow(flow, open, ctx, turn, now);
      // The flow's code changed under this conversation: started afresh rather than stuck.
      if (next === 'unknown-step') return save(ctx, await beginFlow(flow, ctx, turn, now), recent, turn, now);
      return save(ctx, next, recent, turn, now);
    }
    if (starting !== undefined) {
      ctx.claim();
      if (open !== undefined && open.flow !== starting.name && options.switched !== undefined) await ctx.reply(options.switched);
      return save(ctx, await beginFlow(starting, ctx, turn, now), recent, turn, now);
    }
    // Nothing open: what was said about a timeout is remembered; a record of a flow no longer open (or run) goes.
    if (timedOutSaid) return save(ctx, undefined, recent, turn, now);
    if (record !== undefined) await ctx.session.clear();
  }

  agent.on('text', (event, ctx) => onTurn({ eventId: event.id, at: turnTime(event.sendTime, Date.now()), text: event.text, postbackData: undefined }, 'text', ctx));
  agent.on('suggestion', (event, ctx) =>
    onTurn({ eventId: event.id, at: turnTime(event.sendTime, Date.now()), text: event.text ?? '', postbackData: event.postbackData }, 'suggestion', ctx),
  );
  // A location moves only a flow that waits for one (others ask again); with none open it is not claimed.
  agent.on('location', (event, ctx) =>
    onTurn(
      { eventId: event.id, at: turnTime(event.sendTime, Date.now()), text: '', postbackData: undefined, location: { latitude: event.latitude, longitude: event.longitude } },
      'location',
      ctx,
    ),
  );
  }
