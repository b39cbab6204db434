import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';

/**
 * Compiles a bench server (a TypeScript file) to one JavaScript module beside it under
 * `bench/.build/`, so it runs on plain `node`, as production runs the built package: no
 * TypeScript loader in the process (tsx's runs on a thread of its own, about 40 MB of RSS and
 * some CPU that neither rbmkit nor its floors would pay in production). Packages stay
 * imports: `rbmkit` resolves to the checkout's built dist/.
 *
 * @example
 * const js = await compileServer('bench/servers/floor-agent.ts'); // bench/.build/floor-agent.mjs
 */
export async function compileServer(file: string): Promise<string> {
  const benchDir = dirname(dirname(file));
  const outfile = join(benchDir, '.build', `${relative(join(benchDir, 'servers'), file).replace(/\.ts$/, '')}.mjs`);
  await build({ entryPoints: [file], outfile, bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20', logLevel: 'warning' });
  return outfile;
}
