/**
 * When a handler runs among the plugins of an event: `observe` beside the others (it cannot
 * claim), `handle` plugin after plugin in list order (the default), `fallback` only when no
 * one claimed the event.
 */
export type Stage = 'observe' | 'handle' | 'fallback';
