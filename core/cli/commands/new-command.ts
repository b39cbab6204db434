import { relative } from 'node:path';
import type { Command } from './command.js';
import { parseOptions } from './parse-options.js';
import { UsageError } from './usage-error.js';

/** `rbmkit new`: scaffolds a ready agent project. */
export const newCommand: Command = {
  name: 'new',
  summary: 'create a new agent project: a plugin, its test, a config file',
  synopsis: 'new <folder> [--rbmkit SPEC]',
  details: `Creates a project in a new or empty folder: package.json (rbmkit, mocha, chai, tsx,
TypeScript), a strict tsconfig.json, plugins/greeter.ts, its test, rbmkit.yaml, a README.
Then: cd <folder> && npm install && npm run dev.

  --rbmkit SPEC    what the project depends on for rbmkit: an npm version range or tag, or a
                   path to a tarball or folder (made absolute); default ^<this rbmkit's version>`,
  async run(args) {
    const { values, positionals } = parseOptions(this, args, { allowPositionals: true, options: { rbmkit: { type: 'string' } } });
    if (positionals.length !== 1) throw new UsageError(this, `expected one folder to create the project in, got ${positionals.length === 0 ? 'none' : positionals.join(' ')}`);
    const { createProject } = await import('../new-project.js');
    const project = createProject(positionals[0]!, values.rbmkit === undefined ? {} : { rbmkit: values.rbmkit });
    const near = relative(process.cwd(), project.dir);
    const folder = near.startsWith('..') ? project.dir : near || '.';
    const where = /\s/.test(folder) ? `"${folder}"` : folder;
    console.log(`created ${project.name} in ${where}: ${project.files.join(', ')}

next:
  cd ${where}
  npm install
  npm run dev     # run the agent and chat with it, no Google account needed
  npm test        # test the greeter plugin`);
    return 0;
  },
};
