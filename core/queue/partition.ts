import { createHash } from 'node:crypto';

/**
 * The partition of a conversation key (agent + phone): the same key always lands in the same
 * partition, and keys spread evenly over `partitions`.
 *
 * @example
 * partitionOf('shop@rbm.goog\u0000+12223334444', 32); // 0..31, always the same for this key
 */
export function partitionOf(key: string, partitions: number): number {
  return createHash('sha1').update(key).digest().readUInt32BE(0) % partitions;
}
