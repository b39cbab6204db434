import type { Logger } from 'pino';
import { multiProcessHint } from '../ops/multi-process.js';
import { TIMED_OUT, withinDeadline } from '../dispatch/deadline.js';
import type { DedupeStore } from './dedupe-store.js';
import type { SessionStore } from './session-store.js';

/** The stores one bot uses, by the name a log line or readiness answer gives them. */
export interface BotStores {
  readonly dedupe: DedupeStore;
  readonly sessions: SessionStore;
}

const PING_TIMEOUT_MS = 1_000;
const LABELS: Record<keyof BotStores, string> = { dedupe: 'the dedupe store', sessions: 'the session store' };

const each = (stores: BotStores) => Object.entries(stores) as [keyof BotStores, DedupeStore | SessionStore][];

/**
 * Connects every store that has `open`. A store that cannot connect is logged, not thrown:
 * pushes get 503 and `/readyz` fails until it answers.
 *
 * @example
 * await openStores({ dedupe, sessions }, log);
 */
export async function openStores(stores: BotStores, log: Logger): Promise<void> {
  await Promise.all(
    each(stores).map(async ([name, store]) => {
      try {
        await store.open?.();
      } catch (error) {
        log.error({ err: error }, `${LABELS[name]} is unreachable: pushes are answered 503 and /readyz fails until it answers`);
      }
    }),
  );
}

/**
 * Asks every store that has `ping` whether it answers (1 s each); resolves with the first
 * problem found, or undefined when all answer.
 *
 * @example
 * const problem = await storeProblem({ dedupe, sessions }); // 'the session store does not answer: …'
 */
export async function storeProblem(stores: BotStores): Promise<string | undefined> {
  const problems = await Promise.all(
    each(stores).map(async ([name, store]) => {
      if (store.ping === undefined) return undefined;
      try {
        if ((await withinDeadline(store.ping(), PING_TIMEOUT_MS)) === TIMED_OUT) throw new Error(`no answer within ${PING_TIMEOUT_MS} ms`);
        return undefined;
      } catch (error) {
        return `${LABELS[name]} does not answer: ${(error as Error).message}`;
      }
    }),
  );
  return problems.find((problem) => problem !== undefined);
}

/**
 * The stores that keep their entries in this process only, by label: empty when all are
 * shared (several processes see the same entries).
 *
 * @example
 * unsharedStores({ dedupe: new MemoryDedupeStore(), sessions }); // ['the dedupe store', …]
 */
export function unsharedStores(stores: BotStores): string[] {
  return each(stores)
    .filter(([, store]) => store.shared !== true)
    .map(([name]) => LABELS[name]);
}

/**
 * Closes every store that has `close`; a failure is logged, never thrown.
 *
 * @example
 * await closeStores({ dedupe, sessions }, log);
 */
export async function closeStores(stores: BotStores, log: Logger): Promise<void> {
  for (const [name, store] of each(stores)) {
    await store.close?.().catch((error: unknown) => log.warn({ err: error }, `closing ${LABELS[name]} failed`));
  }
}

/**
 * Warns loudly when this process looks like one of several (a cluster worker, pm2,
 * WEB_CONCURRENCY…) while a store keeps its entries in this process only: a duplicate reaching
 * another process would be handled twice.
 *
 * @example
 * warnIfUnshared({ dedupe, sessions }, log);
 */
export function warnIfUnshared(stores: BotStores, log: Logger, hint = multiProcessHint()): void {
  const unshared = unsharedStores(stores);
  if (hint === undefined || unshared.length === 0) return;
  log.warn(
    `SEVERAL PROCESSES (${hint}) BUT ${unshared.join(' AND ').toUpperCase()} ${unshared.length > 1 ? 'ARE' : 'IS'} IN THIS PROCESS ONLY: ` +
      'a duplicate or redelivery reaching another process will be handled twice, and conversation state will differ. ' +
      'Give every process shared stores: dedupe: new RedisDedupeStore({ url }), sessions: new RedisSessionStore({ url })',
  );
}
