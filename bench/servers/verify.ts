// The verification every baseline does: exactly what a webhook must do, nothing more.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const TOKEN = 'BENCHTOKEN000001';

/** Verifies one push body (already parsed) against its X-Goog-Signature; constant-time. */
export function verifyPush(body: unknown, signature: string | undefined): boolean {
  const data = (body as { message?: { data?: unknown } } | undefined)?.message?.data;
  if (typeof data !== 'string' || signature === undefined) return false;
  const expected = createHmac('sha512', TOKEN).update(Buffer.from(data, 'base64')).digest();
  const given = Buffer.from(signature, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** What a server did between 'work-start' and 'work': CPU time, bytes allocated on the JS heap, GCs. */
export interface WorkStats {
  readonly cpuUs: number;
  /** The part of `cpuUs` spent in the kernel (syscalls: on loopback a socket write also runs the receiver's side of TCP). */
  readonly systemUs?: number;
  readonly allocatedBytes: number;
  readonly scavenges: number;
  readonly markSweeps: number;
  readonly gcMs: number;
}

let work: { cpu: NodeJS.CpuUsage; profiler: GCProfiler; used: number } | undefined;

/**
 * Stops counting and sums it up. Allocated bytes: the heap's growth between collections, plus
 * what each collection freed (used before a GC minus used after the previous one).
 */
function workStats(): WorkStats | undefined {
  if (work === undefined) return undefined;
  const cpu = process.cpuUsage(work.cpu);
  const { statistics } = work.profiler.stop();
  let allocated = 0;
  let after = work.used;
  let scavenges = 0;
  let markSweeps = 0;
  let gcMs = 0;
  for (const gc of statistics) {
    allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - after);
    after = gc.afterGC.heapStatistics.usedHeapSize;
    if (gc.gcType === 'Scavenge' || gc.gcType === 'MinorMarkSweep') scavenges += 1;
    else if (gc.gcType === 'MarkSweepCompact') markSweeps += 1;
    gcMs += gc.cost / 1000;
  }
  allocated += Math.max(0, getHeapStatistics().used_heap_size - after);
  work = undefined;
  return { cpuUs: cpu.user + cpu.system, systemUs: cpu.system, allocatedBytes: allocated, scavenges, markSweeps, gcMs };
}

/**
 * Tells the parent where the server listens; answers 'rss' with its memory, 'retained' with
 * the heap used after a full collection (a last step: it changes the heap), 'work-start' by
 * starting to count CPU time, allocations and GCs, and 'work' with those counts.
 */
export function announce(port: number): void {
  // Over IPC: stdout is the server's own (its log lines go there).
  process.send!({ port });
  process.on('message', (message) => {
    if (message === 'rss') {
      const { rss, heapUsed } = process.memoryUsage();
      process.send!({ rss, heapUsed });
    } else if (message === 'retained') {
      // What a full collection leaves: retained, not garbage waiting for the next mark-sweep.
      setFlagsFromString('--expose-gc');
      (runInNewContext('gc') as () => void)();
      process.send!({ retained: process.memoryUsage().heapUsed });
    } else if (message === 'work-start') {
      const profiler = new GCProfiler();
      profiler.start();
      work = { cpu: process.cpuUsage(), profiler, used: getHeapStatistics().used_heap_size };
      process.send!({ started: true });
    } else if (message === 'work') {
      process.send!({ work: workStats() ?? null });
    }
  });
  // Exit normally, so --cpu-prof writes its profile.
  process.once('SIGTERM', () => process.exit(0));
}
