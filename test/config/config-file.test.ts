import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { loadConfigFile, PluginRegistry } from 'rbmkit';

const dir = mkdtempSync(join(tmpdir(), 'rbmkit-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('loadConfigFile', () => {
  const registry = new PluginRegistry();

  it('reads YAML and JSON, with port from the environment and module paths relative to the file', () => {
    const yaml = file('a.yaml', 'port: { env: MY_PORT }\nhost: 0.0.0.0\npluginModules: [./mine.js]\npartner:\n  clientToken: { env: TOKEN }\n');
    const loaded = loadConfigFile(yaml, registry, { MY_PORT: '9090' });
    expect(loaded).to.deep.include({ port: 9090, host: '0.0.0.0', pluginModules: [join(dir, 'mine.js')] });
    expect(loaded.bot.partner).to.deep.equal({ clientToken: { env: 'TOKEN' } });
    const json = file('b.json', JSON.stringify({ partner: { clientToken: 'T' } }));
    expect(loadConfigFile(json, registry).port).to.equal(8080);
  });

  it('names the file and the problem', () => {
    expect(() => loadConfigFile(file('c.yaml', 'partner: [unclosed'), registry)).to.throw(/c\.yaml: expected YAML:/);
    expect(() => loadConfigFile(file('d.json', '{"partner":'), registry)).to.throw(/d\.json: expected JSON:/);
    expect(() => loadConfigFile(file('e.yaml', '- a list'), registry)).to.throw('e.yaml: expected a mapping of settings at the top');
    expect(() => loadConfigFile(file('f.yaml', 'port: 99999\n'), registry)).to.throw('f.yaml: port: expected a port number 0-65535 or {"env": "PORT"}');
    expect(() => loadConfigFile(file('g.yaml', 'port: { env: NOPE }\n'), registry, {})).to.throw('g.yaml: port: expected environment variable NOPE to hold a port number, got null');
    expect(() => loadConfigFile(file('h.yaml', 'partner: { pathh: /x }\n'), registry)).to.throw(/h\.yaml: invalid rbmkit config:\n {2}partner: Unrecognized key: "pathh"/);
  });
});
