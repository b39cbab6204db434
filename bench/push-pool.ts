import { randomUUID } from 'node:crypto';
import { payloads, signedPush } from 'rbmkit/testing';
import { TOKEN } from './servers/verify.js';

/** A push ready to send: body and headers. */
export interface PooledPush {
  readonly body: string;
  readonly headers: Record<string, string>;
}

/**
 * Signs `count` distinct text pushes (distinct messageIds, 1,000 conversations), so no
 * server sees a duplicate unless the pool wraps.
 *
 * @example
 * const pool = signPool(400_000);
 */
export function signPool(count: number): PooledPush[] {
  const pool: PooledPush[] = new Array(count);
  for (let i = 0; i < count; i += 1) {
    const data = payloads.text({ text: `hello ${i}`, messageId: randomUUID(), phone: `+1555${String(i % 1000).padStart(7, '0')}`, agentId: 'bench@rbm.goog' });
    pool[i] = signedPush(data, { token: TOKEN });
  }
  return pool;
}
