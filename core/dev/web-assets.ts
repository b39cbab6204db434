import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The content types of the web chat page's files, by extension: the page, its style, its icon and
 * its script's ES modules (a browser runs a module only when served as JavaScript). Files of other
 * kinds in the folder are not served: the `.d.ts` of a module that TypeScript imports too.
 */
export const WEB_ASSET_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
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
 * Reads the page's files once, for serving: name (its path in the folder, with `/`) → body and
 * content type. Only the kinds of {@link WEB_ASSET_TYPES}, so a new module is served as soon as it is written.
 *
 * @example
 * const assets = loadWebAssets();
 * assets.get('index.html'); // { body: <Buffer …>, type: 'text/html; charset=utf-8' }
 * assets.get('chat/dom.js'); // { body: <Buffer …>, type: 'text/javascript; charset=utf-8' }
 */
export function loadWebAssets(folder: string = webAssetsFolder()): Map<string, { body: Buffer; type: string }> {
  const assets = new Map<string, { body: Buffer; type: string }>();
  for (const entry of readdirSync(folder, { recursive: true, withFileTypes: true })) {
    const type = WEB_ASSET_TYPES[extname(entry.name)];
    if (!entry.isFile() || type === undefined) continue;
    const path = join(entry.parentPath, entry.name);
    assets.set(relative(folder, path).split(sep).join('/'), { body: readFileSync(path), type });
  }
  return assets;
}
