import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ModuleImporter } from './start.js';
import { PluginModuleError, tsxApiUrl } from './start.js';

/** An importer that loads each module afresh, and the files that the last imports loaded. */
export interface FreshImporter {
  readonly importModule: ModuleImporter;
  /** The files of the project (not under node_modules) loaded since the last `loadedFiles()`. */
  loadedFiles(): string[];
}

type TsImport = (specifier: string, options: { parentURL: string; onImport?: (url: string) => void }) => Promise<Record<string, unknown>>;

/**
 * An importer for `rbmkit dev --watch`: each import loads the module and everything it imports
 * again (tsx's `tsImport`, a module namespace of its own per call), so an edited plugin or a
 * file it imports takes effect without a restart. Each module graph loaded stays in memory
 * until the process ends: this is for development. Needs tsx in the project.
 *
 * @example
 * const fresh = await freshImporter('/app/rbmkit.yaml');
 * await loadPluginModules(file, registry, 'rbmkit.yaml', fresh.importModule);
 * watcher.add(fresh.loadedFiles());
 */
export async function freshImporter(configPath: string): Promise<FreshImporter> {
  const api = tsxApiUrl(configPath) ?? tsxApiUrl(join(process.cwd(), 'package.json'));
  if (api === undefined) {
    throw new PluginModuleError(`${configPath}: --watch loads plugin modules afresh through tsx; expected the tsx package installed in the project (npm install --save-dev tsx)`);
  }
  const { tsImport } = (await import(api)) as { tsImport: TsImport };
  let loaded = new Set<string>();
  const onImport = (url: string) => {
    if (!url.startsWith('file:')) return;
    const path = fileURLToPath(url.replace(/\?.*$/, ''));
    if (!path.includes(`${'/'}node_modules${'/'}`)) loaded.add(path);
  };
  return {
    importModule: (module) => tsImport(module, { parentURL: pathToFileURL(configPath).href, onImport }),
    loadedFiles() {
      const files = [...loaded];
      loaded = new Set();
      return files;
    },
  };
}
