// `rbmkit campaign preview`: the message as a phone shows it, on a running `rbmkit dev` chat page.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { runDev, type DevServer } from '../../core/cli/dev.js';
import { CAFE_CONFIG } from '../browser/browser-kit.js';
import { runTs } from '../helpers/processes.js';
import { removeTempDirs, tempDir } from '../package/packed.js';

describe('rbmkit campaign preview (a real process, a running dev server)', function () {
  this.timeout(30_000);
  let dev: DevServer;
  let dir: string;

  before(async () => {
    dev = await runDev({ config: CAFE_CONFIG, port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' } });
    dir = tempDir('rbmkit-preview-');
    writeFileSync(join(dir, 'numbers.csv'), 'phone,name\n+15555550177,Ann\n+15555550178,Bob\n');
  });
  after(async () => {
    await dev.close();
    removeTempDirs();
  });

  async function transcript(): Promise<string> {
    const abort = new AbortController();
    const events = await fetch(`${dev.url}/_dev/events`, { signal: abort.signal });
    const reader = events.body!.getReader();
    let text = '';
    while (!text.includes('"preview":true')) text += new TextDecoder().decode((await reader.read()).value);
    abort.abort();
    return text;
  }

  it('shows the message filled in for the first recipient, marked a preview, and sends nothing', async () => {
    const message = join(dir, 'sale.json');
    writeFileSync(message, JSON.stringify({ contentMessage: { text: 'Hi {{name}}, 20% off', suggestions: [{ reply: { text: 'Shop now', postbackData: 'SHOP' } }] }, messageTrafficType: 'PROMOTION' }));
    const run = runTs('core/cli/main.ts', ['campaign', 'preview', '--message', message, '--recipients', join(dir, 'numbers.csv'), '--agent', 'cafe@rbm.goog', '--dev', dev.url]);
    expect(await run.exited(), run.output()).to.equal(0);
    expect(run.output()).to.include('as cafe@rbm.goog to +15555550177');
    const text = await transcript();
    expect(text).to.include('"text":"Hi Ann, 20% off"');
    expect(text).to.match(/"kind":"agent-message","agentId":"cafe@rbm.goog","phone":"\+15555550177".*"preview":true/);
  });

  it("refuses a message RBM would refuse, saying which limit, and one naming a column the CSV lacks", async () => {
    const long = join(dir, 'long.json');
    writeFileSync(long, JSON.stringify({ contentMessage: { text: 'x'.repeat(4000) } }));
    const tooLong = runTs('core/cli/main.ts', ['campaign', 'preview', '--message', long, '--dev', dev.url]);
    expect(await tooLong.exited()).to.equal(1);
    expect(tooLong.output()).to.match(/contentMessage\.text: expected 1 to 3072 characters, got 4000/);
    const missing = join(dir, 'missing.json');
    writeFileSync(missing, JSON.stringify({ contentMessage: { text: 'Hi {{nickname}}' } }));
    const noColumn = runTs('core/cli/main.ts', ['campaign', 'preview', '--message', missing, '--recipients', join(dir, 'numbers.csv'), '--dev', dev.url]);
    expect(await noColumn.exited()).to.equal(1);
    expect(noColumn.output()).to.include('expected a value for {{nickname}}: the recipient has no "nickname" column');
  });
});
