import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import ts from 'typescript';
import { ROOT } from '../helpers/processes.js';

const DOCS = ['README.md', 'docs/plugins.md', 'docs/deploy.md', 'docs/campaigns.md'];
const OUT = join(ROOT, 'test/.doc-snippets');

/** The ```ts blocks of a Markdown file that stand alone (they import what they use). */
function snippets(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!).filter((code) => /^import /m.test(code));
}

describe('documentation', function () {
  this.timeout(60_000);

  it('every self-contained TypeScript snippet in the README and the plugin guide compiles under strict', () => {
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const files: string[] = [];
    for (const doc of DOCS) {
      snippets(doc).forEach((code, i) => {
        const file = join(OUT, `${doc.replace(/[^a-z]/gi, '-')}-${i}.ts`);
        // Top-level await needs a module: every snippet is one.
        writeFileSync(file, `${code}\nexport {};\n`);
        files.push(file);
      });
    }
    expect(files.length).to.be.at.least(3);
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || d.file.fileName.startsWith(OUT))
      .map((d) => `${d.file?.fileName.slice(OUT.length + 1)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    expect(problems).to.deep.equal([]);
    rmSync(OUT, { recursive: true, force: true });
  });
});
