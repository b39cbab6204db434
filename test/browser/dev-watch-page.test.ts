import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser } from 'playwright-core';
import { runDev, type DevServer } from '../../core/cli/dev.js';
import { ROOT } from '../helpers/processes.js';
import { launchChromium, openChatPage, say, talkTo } from './browser-kit.js';

const PLUGIN = (reply: string) => `import { definePlugin } from 'rbmkit';
export const shouter = definePlugin({
  name: 'shouter',
  setup: (agent) => void agent.on('text', (event, ctx) => ctx.reply(\`${reply} \${event.text}\`)),
});
`;

// `rbmkit dev --watch` as the developer sees it in the page: a change that does not load is
// shown there, the conversation stays, and the fix takes the banner away.
describe('web chat page under rbmkit dev --watch (real browser)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let dev: DevServer | undefined;
  let dir: string;

  before(async function () {
    browser = await launchChromium();
    if (browser === undefined) this.skip();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await dev?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows a syntax error in a plugin, keeps the conversation, and hides it once fixed', async () => {
    dir = mkdtempSync(join(ROOT, 'test', '.watch-'));
    writeFileSync(join(dir, 'rbmkit.yaml'), ['pluginModules: [./plugins.ts]', 'partner:', '  clientToken: { env: WATCH_PAGE_TOKEN }', '  plugins: [shouter]'].join('\n'));
    writeFileSync(join(dir, 'plugins.ts'), PLUGIN('first:'));
    dev = await runDev({ config: join(dir, 'rbmkit.yaml'), port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' }, watch: true });
    const { context, page } = await openChatPage(browser!, dev.url);
    try {
      await talkTo(page, 'cafe@rbm.goog');
      await say(page, 'one');
      await page.locator('.row.agent').getByText('first: one', { exact: true }).waitFor();

      writeFileSync(join(dir, 'plugins.ts'), `${PLUGIN('second:')}\nconst oops = ;\n`);
      const banner = page.getByRole('alert');
      await banner.getByText('Your change did not load.').waitFor();
      expect(await banner.textContent()).to.include('plugins.ts');
      await page.screenshot({ path: join(dir, 'reload-error.png') });
      if (process.env.RBMKIT_KEEP_SCREENSHOTS) writeFileSync(process.env.RBMKIT_KEEP_SCREENSHOTS, await page.screenshot());

      await say(page, 'two');
      await page.locator('.row.agent').getByText('first: two', { exact: true }).waitFor();

      writeFileSync(join(dir, 'plugins.ts'), PLUGIN('second:'));
      await banner.waitFor({ state: 'hidden' });
      await say(page, 'three');
      await page.locator('.row.agent').getByText('second: three', { exact: true }).waitFor();
      expect(await page.locator('.row.agent').allTextContents()).to.have.length(3);
    } finally {
      await context.close();
    }
  });
});
