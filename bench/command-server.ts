import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAS_TASKSET, type ServerProcess } from './run-server.js';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The pids of `root` and every process under it, from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), pid]);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of parents.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

/** CPU time (user + system, in us) of a process, all its threads, from /proc. */
function cpuUsOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat; this array starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Resident set size (bytes) of a process, from /proc. */
function rssOf(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? 0 : Number(match[1]) * 1024;
  } catch {
    return 0;
  }
}

/**
 * Starts a server by the command a user types (`npm run echo`), pinned to `core`, and reads
 * where it listens from its log (`listening on http://host:port`). What the bench asks of it
 * comes from /proc, over the whole process tree the command starts (npm, its shell, tsx and
 * the agent): CPU time, and the RSS of its largest process, the agent's.
 *
 * @example
 * const server = await startCommand(['npm', 'run', 'echo'], 0, { PORT: '0', HOST: '127.0.0.1' });
 */
export async function startCommand(command: readonly string[], core: number, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'rbmkit-bench-'));
  const logFile = join(dir, 'stdout.log');
  const [file, ...args] = HAS_TASKSET ? ['taskset', '-c', String(core), ...command] : command;
  // Its log lines go to a file, as to /dev/null elsewhere: written, never piped back here.
  const child = spawn(file!, args, { stdio: ['ignore', openSync(logFile, 'w'), 'inherit'], env: { ...process.env, ...env }, detached: true });
  const port = await new Promise<number>((resolve, reject) => {
    const poll = setInterval(() => {
      const match = /listening on http:\/\/[^:/]+:(\d+)/.exec(readFileSync(logFile, 'utf8'));
      if (match === null) return;
      clearInterval(poll);
      resolve(Number(match[1]));
    }, 100);
    child.once('exit', (code) => {
      clearInterval(poll);
      reject(new Error(`${command.join(' ')} exited with ${code} before listening (its stderr above)`));
    });
  });
  const treeCpuUs = () => processTree(child.pid!).reduce((sum, pid) => sum + cpuUsOf(pid), 0);
  const largestRss = () => Math.max(...processTree(child.pid!).map(rssOf));
  let startedCpu = 0;
  return {
    port,
    child,
    rss: async () => largestRss(),
    memory: async () => ({ rss: largestRss(), heapUsed: 0 }),
    retained: async () => undefined,
    startWork: async () => {
      startedCpu = treeCpuUs();
    },
    work: async () => ({ cpuUs: treeCpuUs() - startedCpu }),
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        // The whole group: npm does not always pass SIGTERM on to its script.
        process.kill(-child.pid!, 'SIGTERM');
      }),
  };
}
