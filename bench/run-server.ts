import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;

/** A server process under test: where it listens, how big it is, how to stop it. */
export interface ServerProcess {
  readonly port: number;
  readonly child: ChildProcess;
  rss(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a bench server (a TypeScript file) pinned to `core` where taskset exists, and
 * resolves once it says where it listens.
 *
 * @example
 * const server = await startServer('bench/servers/bare-node.ts', 0);
 */
export async function startServer(file: string, core: number, env: Record<string, string> = {}, nodeFlags: string[] = []): Promise<ServerProcess> {
  // No `source` condition: `rbmkit` resolves to the built dist/, the code production runs.
  const node = [process.execPath, ...nodeFlags, '--import', 'tsx', file];
  const [command, ...args] = HAS_TASKSET ? ['taskset', '-c', String(core), ...node] : node;
  const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"port"'));
      if (line !== undefined) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code} before listening:\n${out}`)));
  });
  return {
    port,
    child,
    rss: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve((m as { rss: number }).rss));
        child.send('rss');
      }),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
