/**
 * Every event name rbmkit emits, with the umbrella it belongs to. This one table drives both
 * the runtime check of `agent.on(name)` and the TypeScript types, so they cannot drift. How
 * each kind looks on the wire, and how it is parsed, is its row in `EVENT_KINDS`
 * (event-kinds.ts), which `tsc` requires for every name here.
 */
export const EVENT_GROUPS = {
  text: 'message',
  suggestion: 'message',
  location: 'message',
  file: 'message',
  delivered: 'userEvent',
  read: 'userEvent',
  typing: 'userEvent',
  subscribe: 'userEvent',
  unsubscribe: 'userEvent',
  ttlRevoked: 'serverEvent',
  ttlRevokeFailed: 'serverEvent',
  agentLaunch: 'serverEvent',
  unknown: 'other',
} as const;

/**
 * Notices about the webhook or the agent's own sends rather than a user's event: not part of
 * `any`. `rejected`: a request failed verification; `failed`: plugins failed on an event;
 * `settled`: a delivery ended; `unreachable`: a send met Google's 404 (no RCS), so a plugin can
 * fall back to SMS; `misrouted`: a verified push came in at the partner webhook for an agent
 * that has its own; `undeliverable`: a verified push whose data could not be used was kept in
 * the dead-letter store (opt-in).
 */
export const NOTICE_NAMES = ['rejected', 'failed', 'settled', 'unreachable', 'misrouted', 'undeliverable'] as const;

/** Umbrella names: every user message, every user event, every server event, everything. */
export const UMBRELLA_NAMES = ['message', 'userEvent', 'serverEvent', 'any'] as const;

export type EventName = keyof typeof EVENT_GROUPS;
export type NoticeName = (typeof NOTICE_NAMES)[number];
export type UmbrellaName = (typeof UMBRELLA_NAMES)[number];
export type SubscribableName = EventName | NoticeName | UmbrellaName;

export const EVENT_NAMES = Object.keys(EVENT_GROUPS) as EventName[];

const SUBSCRIBABLE: ReadonlySet<string> = new Set<string>([...EVENT_NAMES, ...NOTICE_NAMES, ...UMBRELLA_NAMES]);

/**
 * Whether a string is an event type (own keys of `EVENT_GROUPS` only: never `constructor`,
 * `toString` or `__proto__`).
 *
 * @example
 * isEventName('text'); // true
 * isEventName('constructor'); // false
 */
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(EVENT_GROUPS, name);
}

/**
 * Narrows a string to a name `agent.on` accepts.
 *
 * @example
 * isSubscribableName('text'); // true
 */
export function isSubscribableName(name: string): name is SubscribableName {
  return SUBSCRIBABLE.has(name);
}

/**
 * Throws a TypeError listing the valid names when `name` is not one of them.
 *
 * @example
 * assertSubscribableName('txet'); // TypeError: unknown event name "txet"; expected one of: text, …
 */
export function assertSubscribableName(name: string): asserts name is SubscribableName {
  if (!isSubscribableName(name)) {
    throw new TypeError(`unknown event name "${name}"; expected one of: ${[...SUBSCRIBABLE].join(', ')}`);
  }
}

/**
 * The names an event of this type is delivered under, most specific first:
 * its own name, its umbrella, then `any`.
 *
 * @example
 * namesFor('text'); // ['text', 'message', 'any']
 */
export function namesFor(type: EventName): readonly SubscribableName[] {
  return DELIVERY_NAMES.get(type) ?? NO_NAMES;
}

const NO_NAMES: readonly SubscribableName[] = Object.freeze([]);

const DELIVERY_NAMES: ReadonlyMap<string, readonly SubscribableName[]> = new Map(
  EVENT_NAMES.map((type) => {
    const group = EVENT_GROUPS[type];
    const names: SubscribableName[] = group === 'other' ? [type, 'any'] : [type, group, 'any'];
    return [type, Object.freeze(names)];
  }),
);
