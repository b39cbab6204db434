import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from 'rbmkit';
import { packageInfo } from './commands/package-info.js';
import { DEV_DEPENDENCIES, scaffoldFiles } from './scaffold/templates.js';

/** A project `createProject` wrote. */
export interface CreatedProject {
  /** Its absolute folder. */
  readonly dir: string;
  /** Its package name. */
  readonly name: string;
  /** The files written, relative to `dir`. */
  readonly files: readonly string[];
}

/**
 * Writes a ready agent project into a new or empty folder: package.json, tsconfig.json, a
 * plugin, its test, rbmkit.yaml, .gitignore, README. `rbmkit` is the dependency spec (a
 * version range or tag; a path to a tarball or folder is made absolute); default
 * `^<this rbmkit's version>`. Refuses a folder that holds anything.
 *
 * @example
 * createProject('my-agent'); // { dir: '/home/me/my-agent', name: 'my-agent', files: ['package.json', …] }
 * createProject('my-agent', { rbmkit: './rbmkit-0.1.0.tgz' });
 */
export function createProject(folder: string, options: { rbmkit?: string; cwd?: string } = {}): CreatedProject {
  const cwd = options.cwd ?? process.cwd();
  const dir = resolve(cwd, folder);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new ConfigError(`${folder}: expected a new or empty folder, got a file`);
    const entries = readdirSync(dir).sort();
    if (entries.length > 0) {
      const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? ', …' : '');
      throw new ConfigError(`${folder}: expected a new or empty folder, but it holds ${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} (${shown}); choose another folder`);
    }
  }
  const info = packageInfo();
  const versions = Object.fromEntries(
    DEV_DEPENDENCIES.map((name) => {
      const version = info.devDependencies?.[name];
      if (version === undefined) throw new Error(`rbmkit ${info.version}'s package.json names no version of ${name}; expected it among its devDependencies`);
      return [name, version];
    }),
  ) as Record<(typeof DEV_DEPENDENCIES)[number], string>;
  const name = packageName(basename(dir));
  const files = scaffoldFiles({ name, rbmkit: dependencySpec(options.rbmkit ?? `^${info.version}`, cwd), versions });
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { dir, name, files: Object.keys(files) };
}

/** A valid npm package name made of a folder's name. */
function packageName(folder: string): string {
  return (
    folder
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+/, '')
      .slice(0, 214) || 'rbm-agent'
  );
}

/** A dependency spec as package.json holds it: `rbmkit@x` loses its name, a local path becomes `file:<absolute>`. */
function dependencySpec(spec: string, cwd: string): string {
  const given = spec.replace(/^rbmkit@/, '');
  const path = given.startsWith('file:') ? given.slice('file:'.length) : given;
  const local = given.startsWith('file:') || isAbsolute(path) || /^\.\.?([/\\]|$)/.test(path) || /\.(tgz|tar\.gz)$/.test(path);
  if (given === '') throw new ConfigError('--rbmkit: expected an npm version range, tag, or a path to a tarball or folder, got ""');
  return local ? `file:${resolve(cwd, path)}` : given;
}
