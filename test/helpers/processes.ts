import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A port free right now on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A TypeScript entry point run as users run it (tsx, the `source` export condition), output collected. */
export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  output(): string;
  /** Resolves when the output matches, rejects (with the output) after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
  /** Resolves with the exit code. */
  exited(): Promise<number | null>;
  stop(): Promise<number | null>;
}

export function runTs(file: string, args: string[] = [], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', file, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    async waitFor(pattern, ms = 15_000) {
      const end = Date.now() + ms;
      while (!pattern.test(out)) {
        if (Date.now() > end || child.exitCode !== null) throw new Error(`expected output matching ${pattern}, got:\n${out}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    exited: () => exit,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exit;
    },
  };
}
