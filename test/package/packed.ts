// rbmkit packed as `npm pack` packs it for a release, once per test run, shared by the tests
// that install it. Packed from a copy of the package's files, so that the build `prepack`
// runs never touches the working tree's dist/.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/processes.js';

/** What `npm pack --json` says of one tarball. */
export interface Packed {
  /** Absolute path of the .tgz. */
  readonly tarball: string;
  readonly version: string;
  readonly files: readonly { path: string; mode: number }[];
}

/** What a finished process printed (stdout and stderr, interleaved) and its exit code. */
export interface Finished {
  readonly code: number | null;
  readonly output: string;
}

/** Temporary folders made by {@link tempDir}, removed by {@link removeTempDirs} (each test file's `after`). */
const made: string[] = [];

/** A new temporary folder, removed after the run by {@link removeTempDirs}. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes the folders made by {@link tempDir}. */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** Runs a command to its end; rejects only when it cannot start. */
export function run(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Runs a command and resolves with its output; rejects with the output unless it exits 0. */
export async function succeed(command: string, args: readonly string[], options: { cwd: string; env?: Record<string, string> }): Promise<string> {
  const { code, output } = await run(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} (in ${options.cwd}) exited ${code}:\n${output}`);
  return output;
}

/** The flags every install of the tests uses: the npm cache is warm, nothing else is needed. */
export const OFFLINE_FIRST = ['--prefer-offline', '--no-audit', '--no-fund'];

let packing: Promise<Packed> | undefined;

/** rbmkit's tarball, packed on first use and shared by every test file of the run. */
export function packedRbmkit(): Promise<Packed> {
  packing ??= pack();
  return packing;
}

async function pack(): Promise<Packed> {
  // Kept for every test file of the run, removed when it ends.
  const copy = mkdtempSync(join(tmpdir(), 'rbmkit-pack-'));
  const out = mkdtempSync(join(tmpdir(), 'rbmkit-tarball-'));
  process.on('exit', () => {
    for (const dir of [copy, out]) rmSync(dir, { recursive: true, force: true });
  });
  for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'core', 'plugins', 'docs']) {
    cpSync(join(ROOT, entry), join(copy, entry), { recursive: true });
  }
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const json = await succeed('npm', ['pack', '--json', '--pack-destination', out], { cwd: copy });
  // Lifecycle output (the build) comes before the JSON.
  const [report] = JSON.parse(json.slice(json.indexOf('\n[') + 1)) as { filename: string; version: string; files: { path: string; mode: number }[] }[];
  return { tarball: join(out, report!.filename), version: report!.version, files: report!.files };
}
