import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { compileServer } from './compile-server.js';
import type { WorkStats } from './servers/verify.js';

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;

/** A server process under test: where it listens, how big it is, how to stop it. */
export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  rss(): Promise<number>;
  /** RSS and heap used, in bytes. */
  memory(): Promise<{ rss: number; heapUsed: number }>;
  /** Heap used after a full collection, in bytes (undefined from a server that cannot tell). */
  retained(): Promise<number | undefined>;
  /** Starts counting the server's CPU time, allocations and GCs. */
  startWork(): Promise<void>;
  /** What it did since {@link ServerProcess.startWork}: CPU time, and allocations where it can tell. */
  work(): Promise<(Pick<WorkStats, 'cpuUs'> & Partial<WorkStats>) | undefined>;
  stop(): Promise<void>;
}

const compiled = new Map<string, Promise<string>>();

/**
 * Starts a bench server (a TypeScript file, compiled once to JavaScript) on plain node,
 * pinned to `core` where taskset exists, and resolves once it says where it listens.
 *
 * @example
 * const server = await startServer('bench/servers/bare-node.ts', 0);
 */
export async function startServer(file: string, core: number, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<ServerProcess> {
  if (!compiled.has(file)) compiled.set(file, compileServer(file));
  // No `source` condition: `rbmkit` resolves to the built dist/, the code production runs.
  const node = [process.execPath, ...nodeFlags, await compiled.get(file)!];
  const [command, ...args] = HAS_TASKSET ? ['taskset', '-c', String(core), ...node] : node;
  // stdout (the server's log lines) goes to /dev/null: written, as in production, but not
  // read by the load generator's process. The port comes over IPC.
  const child = spawn(command!, args, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    const listening = (message: unknown) => {
      const port = (message as { port?: unknown } | null)?.port;
      if (typeof port !== 'number') return;
      child.off('message', listening);
      resolve(port);
    };
    child.on('message', listening);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening (its stderr above)`)));
  });
  const memory = () =>
    new Promise<{ rss: number; heapUsed: number }>((resolve) => {
      const answer = (m: unknown) => {
        const reply = m as { rss?: unknown; heapUsed?: unknown } | null;
        if (typeof reply?.rss !== 'number') return;
        child.off('message', answer);
        resolve({ rss: reply.rss, heapUsed: typeof reply.heapUsed === 'number' ? reply.heapUsed : 0 });
      };
      child.on('message', answer);
      child.send('rss');
    });
  /** Sends `message` and resolves with the first answer `pick` accepts, or `fallback` after 5 s (a server that does not know the question). */
  const ask = <T>(message: string, pick: (m: Record<string, unknown>) => T | undefined, fallback: T) =>
    new Promise<T>((resolve) => {
      const answer = (m: unknown) => {
        if (typeof m !== 'object' || m === null) return;
        const value = pick(m as Record<string, unknown>);
        if (value === undefined) return;
        done(value);
      };
      const timer = setTimeout(() => done(fallback), 5_000);
      const done = (value: T) => {
        clearTimeout(timer);
        child.off('message', answer);
        resolve(value);
      };
      child.on('message', answer);
      child.send(message);
    });
  return {
    port,
    child,
    retained: () => ask('retained', (m) => (typeof m.retained === 'number' ? { bytes: m.retained } : undefined), { bytes: undefined as number | undefined }).then((a) => a.bytes),
    startWork: () => ask('work-start', (m) => (m.started === true ? true : undefined), false).then(() => undefined),
    work: () => ask('work', (m) => ('work' in m ? ((m.work ?? undefined) as WorkStats | undefined) : undefined), undefined),
    rss: async () => (await memory()).rss,
    memory,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
