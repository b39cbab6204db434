// `rbmkit new`, as a new user runs it: a project that installs rbmkit from its tarball and passes its tests.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawn } from 'node:child_process';
import { expect } from 'chai';
import { LOCAL_DEV_TOKEN } from 'rbmkit/advanced';
import { payloads, post, signedPush } from 'rbmkit/testing';
import { freePort, ROOT, runTs } from '../helpers/processes.js';
import { OFFLINE_FIRST, packedRbmkit, removeTempDirs, succeed, tempDir } from '../package/packed.js';

const CLI = 'core/cli/main.ts';

describe('rbmkit new', function () {
  this.timeout(150_000);
  after(removeTempDirs);

  it('scaffolds a project that installs, type-checks, passes its tests and runs with rbmkit dev', async () => {
    const { tarball } = await packedRbmkit();
    const project = join(tempDir('rbmkit-new-'), 'My Agent');
    // A relative tarball path, as a user types it: the project gets it made absolute.
    const made = runTs(CLI, ['new', project, '--rbmkit', relative(ROOT, tarball)]);
    expect(await made.exited(), made.output()).to.equal(0);
    expect(made.output()).to.include('created my-agent in ');
    for (const file of ['package.json', 'tsconfig.json', 'rbmkit.yaml', 'plugins/greeter.ts', 'test/greeter.test.ts', '.gitignore', 'README.md']) {
      expect(existsSync(join(project, file)), file).to.equal(true);
    }
    const pkg = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { name: string; scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.name).to.equal('my-agent');
    expect(pkg.dependencies.rbmkit).to.equal(`file:${tarball}`);
    expect(pkg.scripts).to.include({ dev: 'rbmkit dev --watch --config rbmkit.yaml', start: 'rbmkit start --config rbmkit.yaml' });
    expect(readFileSync(join(project, 'rbmkit.yaml'), 'utf8')).to.match(/pluginModules:\n  - \.\/plugins\/greeter\.ts\n[\s\S]*clientToken: \{ env: RBM_CLIENT_TOKEN \}\n  plugins: \[logging, greeter\]/);
    expect(readFileSync(join(project, 'README.md'), 'utf8')).to.include('npm install && npm run dev').and.include('npm install && npm test');

    await succeed('npm', ['install', ...OFFLINE_FIRST], { cwd: project });
    const tests = await succeed('npm', ['test'], { cwd: project });
    expect(tests).to.match(/ 2 passing/);
    expect(tests).not.to.match(/failing/);
    await succeed('npm', ['run', 'typecheck'], { cwd: project });

    // npm run dev's command: the TypeScript plugin loads, the webhook takes the development token.
    const port = await freePort();
    const dev = spawn(join(project, 'node_modules/.bin/rbmkit'), ['dev', '--watch', '--config', 'rbmkit.yaml'], {
      cwd: project,
      env: { ...process.env, PORT: String(port), HOST: '', RBM_CLIENT_TOKEN: '', LOG_FORMAT: 'json' },
    });
    let out = '';
    dev.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    dev.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => dev.on('exit', resolve));
    try {
      for (let i = 0; i < 300 && !out.includes(`http://127.0.0.1:${port}`) && dev.exitCode === null; i++) await new Promise((r) => setTimeout(r, 50));
      const answer = await post(`http://127.0.0.1:${port}/webhook`, signedPush(payloads.text({ text: 'hi' }), { token: LOCAL_DEV_TOKEN }));
      expect(answer.status, out).to.equal(200);
    } finally {
      dev.kill('SIGTERM');
    }
    expect(await exited, out).to.equal(0);
  });

  it('depends on ^<its own version> unless told otherwise', async () => {
    const project = join(tempDir('rbmkit-new-'), 'agent');
    const made = runTs(CLI, ['new', project]);
    expect(await made.exited(), made.output()).to.equal(0);
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
    // tsx too: it loads the project's TypeScript plugins when `rbmkit start` runs in production.
    expect((JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies).to.deep.equal({
      rbmkit: `^${own.version}`,
      tsx: own.devDependencies.tsx,
    });
  });

  it('refuses a folder that holds anything, and a missing folder argument', async () => {
    const taken = tempDir('rbmkit-taken-');
    mkdirSync(join(taken, 'src'));
    writeFileSync(join(taken, 'notes.txt'), 'mine\n');
    const refused = runTs(CLI, ['new', taken]);
    expect(await refused.exited()).to.equal(2);
    expect(refused.output()).to.include(`rbmkit new: ${taken}: expected a new or empty folder, but it holds 2 entries (notes.txt, src); choose another folder`);
    expect(existsSync(join(taken, 'package.json'))).to.equal(false);

    const none = runTs(CLI, ['new']);
    expect(await none.exited()).to.equal(2);
    expect(none.output()).to.include('rbmkit new: expected one folder to create the project in, got none\n\nusage: rbmkit new <folder>');
  });
});
