import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files of the web chat page, by the name it is served under, and their content types. */
export const WEB_ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'chat.css': 'text/css; charset=utf-8',
  'chat.js': 'text/javascript; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/**
 * The folder of the web chat page's files: `web/` beside this module when run from source,
 * else the package's `core/dev/web/` (tsc does not copy them into `dist/`).
 *
 * @example
 * webAssetsFolder(); // '/…/node_modules/rbmkit/core/dev/web'
 */
export function webAssetsFolder(moduleUrl: string = import.meta.url): string {
  const here = dirname(fileURLToPath(moduleUrl));
  const candidates = [join(here, 'web'), join(here, '..', '..', '..', 'core', 'dev', 'web')];
  const found = candidates.find((folder) => existsSync(join(folder, 'index.html')));
  if (found === undefined) throw new Error(`the web chat page's files are missing; expected index.html in one of: ${candidates.join(', ')}`);
  return found;
}

/**
 * Reads the page's files once, for serving: name → body and content type.
 *
 * @example
 * const assets = loadWebAssets();
 * assets.get('index.html'); // { body: <Buffer …>, type: 'text/html; charset=utf-8' }
 */
export function loadWebAssets(folder: string = webAssetsFolder()): Map<string, { body: Buffer; type: string }> {
  return new Map(Object.entries(WEB_ASSETS).map(([name, type]) => [name, { body: readFileSync(join(folder, name)), type }]));
}
