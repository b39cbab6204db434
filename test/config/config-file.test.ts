import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { definePlugin } from 'rbmkit';
import { loadConfigFile, PluginRegistry, validateConfig } from 'rbmkit/advanced';

const dir = mkdtempSync(join(tmpdir(), 'rbmkit-config-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected a throw');
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
    expect(() => loadConfigFile(file('f.yaml', 'port: 99999\n'), registry)).to.throw('f.yaml: invalid rbmkit config:\n  port: expected a port number 0-65535 or {"env": "PORT"}');
    expect(() => loadConfigFile(file('g.yaml', 'port: { env: NOPE }\n'), registry, {})).to.throw('g.yaml: port: expected environment variable NOPE to hold a port number, got null');
    expect(() => loadConfigFile(file('h.yaml', 'partner: { pathh: /x }\n'), registry)).to.throw('h.yaml: invalid rbmkit config:\n  partner: unknown key "pathh"; expected only: path, clientToken, plugins');
  });

  it('reports mistakes in the very format of validateConfig, prefixed with the file', () => {
    const bad = { partner: { path: 'no-slash', clientToken: 5 }, agents: { 'a@rbm.goog': { webhook: { path: '/a' } } }, signaturePolicy: 'ignore' };
    const path = file('same.json', JSON.stringify(bad));
    const fromCode = messageOf(() => validateConfig({ ...bad, registry }));
    expect(fromCode.split('\n')).to.have.length(5);
    expect(messageOf(() => loadConfigFile(path, registry))).to.equal(`${path}: ${fromCode}`);
  });

  it('lists the server settings\' mistakes and the bot\'s in one error', () => {
    const message = messageOf(() => loadConfigFile(file('both.yaml', 'port: -1\nhost: ""\nsignaturePolicy: ignore\n'), registry));
    expect(message.split('\n').map((line) => line.slice(0, line.indexOf(':')))).to.deep.equal([join(dir, 'both.yaml'), '  port', '  host', '  signaturePolicy']);
  });

  it('returns the parsed bot config, with the registry given kept and plugins named in it', () => {
    const hello = definePlugin({ name: 'hello', setup() {} });
    const withHello = new PluginRegistry().register(hello);
    const loaded = loadConfigFile(file('named.yaml', 'partner:\n  clientToken: T\n  plugins: [hello, { name: hello, as: h2 }]\n'), withHello);
    expect(loaded.bot.registry).to.equal(withHello);
    expect(loaded.bot.partner?.plugins).to.deep.equal(['hello', { name: 'hello', as: 'h2' }]);
  });
});
