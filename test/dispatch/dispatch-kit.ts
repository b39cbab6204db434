// Builds the dispatch core's parts directly, with no HTTP: for the unit tests of
// test/dispatch and test/plugin.
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { MemoryDedupeStore, MemoryRbmClient, MemorySessionStore, type DedupeStore, type PluginUse, type RbmEvent, type SessionStore } from 'rbmkit';
import { AgentRuntime } from '../../core/dispatch/agent-runtime.js';
import { SharedDeadlines } from '../../core/dispatch/deadline.js';
import { Dispatcher, type DispatcherDeps } from '../../core/dispatch/dispatcher.js';
import { parseEvent } from '../../core/events/parse-event.js';
import { Telemetry } from '../../core/ops/telemetry.js';
import type { DeliveryInfo, SharedEventState } from '../../core/plugin/handler-context.js';

export const AGENT = 'shop@rbm.goog';
export const ALICE = '+12223334444';
export const BOB = '+15556667777';

/** A pino logger that keeps its lines, parsed, for assertions. */
export function recordingLog(): { log: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { log: pino({ level: 'debug' }, sink), lines };
}

export const silentLog = (): Logger => pino({ level: 'silent' });

/** A decoded RBM document (from `payloads`) as the typed event ingress would hand on. */
export function eventOf(document: Record<string, unknown>): RbmEvent {
  return parseEvent(document as never, { attributes: {}, webhook: '/webhook', receivedAt: Date.now() });
}

/** An agent runtime running `uses`, with a memory client unless given. */
export function runtimeOf(uses: readonly PluginUse[], parts: { client?: MemoryRbmClient; log?: Logger; id?: string } = {}): AgentRuntime {
  return new AgentRuntime(parts.id ?? AGENT, 'agent', uses, { client: parts.client ?? new MemoryRbmClient(), log: parts.log ?? silentLog() });
}

/** A dispatcher on memory stores and a memory client, with each part reachable for assertions. */
export function dispatcherOf(overrides: Partial<DispatcherDeps> = {}) {
  const client = (overrides.client as MemoryRbmClient | undefined) ?? new MemoryRbmClient();
  const store: DedupeStore = overrides.store ?? new MemoryDedupeStore();
  const sessions: SessionStore = overrides.sessions ?? new MemorySessionStore();
  const telemetry = overrides.telemetry ?? new Telemetry();
  const deps: DispatcherDeps = {
    client,
    store,
    sessions,
    telemetry,
    log: silentLog(),
    handlerTimeoutMs: 2_000,
    handlerDeadlines: new SharedDeadlines(5),
    maxInFlight: 100,
    ...overrides,
  };
  return { dispatcher: new Dispatcher(deps), client, store, sessions, telemetry, deps };
}

/** A promise with its resolve, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** What a first delivery looks like to a handler. */
export const FIRST: DeliveryInfo = { eventId: 'MSG-1', attempt: 1, redelivery: false };

/** The state a dispatcher shares between the contexts of one event, with test defaults. */
export function sharedState(overrides: Partial<SharedEventState> = {}): SharedEventState {
  return {
    agentId: AGENT,
    phone: ALICE,
    userMessageId: 'MSG-1',
    delivery: FIRST,
    client: new MemoryRbmClient(),
    log: silentLog(),
    sessions: new MemorySessionStore(),
    idSeed: `${AGENT}\u0000${ALICE}\u0000MSG-1`,
    purpose: 'text',
    eventId: 'MSG-1',
    ...overrides,
  };
}
