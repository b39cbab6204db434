import { createRequire } from 'node:module';

/** The fields of rbmkit's own package.json the CLI reads. */
export interface PackageInfo {
  readonly name: string;
  readonly version: string;
  readonly devDependencies?: Readonly<Record<string, string>>;
}

/**
 * rbmkit's own package.json, from the source tree or from the installed package alike.
 *
 * @example
 * packageInfo().version; // '0.1.0'
 */
export function packageInfo(): PackageInfo {
  return createRequire(import.meta.url)('rbmkit/package.json') as PackageInfo;
}
