import type { ClaimOptions } from '../stores/dedupe-store.js';
import type { PluginError } from './run-handlers.js';

/** What became of one delivery of an event. */
export type Outcome =
  | { readonly status: 'handled' }
  /** Seen before and nothing was left to do. */
  | { readonly status: 'duplicate' }
  /** Some plugins failed; a redelivery runs only those again. `errors`: what each threw; `attempt`: the store's count of attempts, this one included (see {@link failedOutcome}). */
  | { readonly status: 'failed'; readonly plugins: readonly string[]; readonly errors: readonly PluginError[]; readonly attempt?: number }
  /** Every failure was permanent: reported, and not worth a redelivery. */
  | { readonly status: 'failedPermanently'; readonly plugins: readonly string[]; readonly errors: readonly PluginError[] }
  /** Another process is handling this event right now. */
  | { readonly status: 'busy' }
  /** Too many events in flight in this process: refused before any work. */
  | { readonly status: 'overloaded' }
  /** The dedupe store did not answer: nothing was dispatched, or a completion could not be recorded. */
  | { readonly status: 'storeUnavailable'; readonly message: string }
  /** This process lost the event to another holder mid-way (its lease was taken over or lapsed): it recorded and sent nothing more. */
  | { readonly status: 'lost' };

/** How one delivery is made: what a queue worker knows of the record it holds. */
export interface DeliverOptions {
  /** Take the event's dedupe lease from whoever holds it (see {@link ClaimOptions.takeover}). */
  readonly takeover?: boolean;
  /** True while the caller still holds the event where it came from (a broker's delivery not yet redelivered elsewhere). */
  readonly current?: () => boolean;
}

/** An outcome whose plugins failed. */
export type FailedOutcome = Extract<Outcome, { status: 'failed' | 'failedPermanently' }>;
