// docs/config.md ships in the package: it names every key of the config schema, and its example loads.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { createBot, definePlugin, MemoryRbmClient } from 'rbmkit';
import { loadConfigFile } from 'rbmkit/advanced';
import { firstPartyRegistry } from 'rbmkit/plugins';
import { CONFIG_DEFAULTS } from '../../core/config/config-defaults.js';
import { botConfigSchema } from '../../core/config/config-schema.js';
import { ROOT } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from './packed.js';

const DOC = readFileSync(join(ROOT, 'docs/config.md'), 'utf8');

type Def = { type: string; innerType?: unknown; shape?: Record<string, unknown>; options?: unknown[]; valueType?: unknown };

/** Every key path of a zod schema: `partner.path`, `agents.<agentId>.webhook.path`… */
function keyPaths(schema: unknown, path = '', out = new Set<string>()): Set<string> {
  const def = (schema as { _zod: { def: Def } })._zod.def;
  if (def.type === 'readonly' || def.type === 'optional') keyPaths(def.innerType, path, out);
  else if (def.type === 'union') for (const option of def.options!) keyPaths(option, path, out);
  else if (def.type === 'record') keyPaths(def.valueType, `${path}.<agentId>`, out);
  else if (def.type === 'object') {
    for (const [key, value] of Object.entries(def.shape!)) {
      const inner = path === '' ? key : `${path}.${key}`;
      // {env: NAME} token sources are described once, not per field.
      if (key !== 'env') out.add(inner);
      keyPaths(value, inner, out);
    }
  }
  return out;
}

describe('docs/config.md', () => {
  after(removeTempDirs);

  it('quotes every default the code applies (CONFIG_DEFAULTS) in its key\'s row', () => {
    const wrong = Object.entries(CONFIG_DEFAULTS).filter(([key, value]) => {
      const row = DOC.split('\n').find((line) => line.startsWith(`| \`${key}\` |`));
      return row === undefined || !row.includes(String(value));
    });
    expect(wrong).to.deep.equal([]);
  });

  it('describes every key of the config schema and of the file', () => {
    const keys = [...keyPaths(botConfigSchema), 'port', 'host', 'pluginModules', 'name', 'options', 'as'];
    expect(keys.length).to.be.at.least(30);
    expect(keys.filter((key) => !DOC.includes(`| \`${key}\` |`))).to.deep.equal([]);
  });

  it('has an example that loads and makes a bot', async () => {
    const yaml = /```yaml\n([\s\S]*?)```/.exec(DOC)![1]!;
    const file = join(tempDir('rbmkit-doc-'), 'rbmkit.yaml');
    writeFileSync(file, yaml);
    const registry = firstPartyRegistry().register(definePlugin({ name: 'greeter', setup: () => undefined }));
    const env = { PORT: '9090', RBM_CLIENT_TOKEN: 'A', SHOP_TOKEN: 'B', SHOP_TOKEN_OLD: 'C' };
    const config = loadConfigFile(file, registry, env);
    expect(config.port).to.equal(9090);
    expect(config.pluginModules).to.deep.equal([join(file, '../plugins/greeter.ts')]);
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try {
      const bot = createBot({ ...config.bot, client: new MemoryRbmClient(), logger: false });
      expect(bot.webhooks()).to.deep.equal(['/webhook', '/shop']);
      await bot.close();
    } finally {
      for (const key of Object.keys(env)) if (saved[key] === undefined) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
