// Writes docs/images/web-chat.png: the web chat page of `rbmkit dev` in a conversation with a
// rich card, a carousel and chips. Run: npx tsx --conditions=source test/browser/take-screenshot.ts
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, say, startCafe, talkTo } from './browser-kit.js';

const OUT = fileURLToPath(new URL('../../docs/images/web-chat.png', import.meta.url));

const browser = await launchChromium();
if (browser === undefined) throw new Error('expected Chromium to take the screenshot; RBMKIT_SKIP_BROWSER=1 is set');
const dev = await startCafe();
try {
  const page = await browser.newPage({ viewport: { width: 900, height: 1000 }, deviceScaleFactor: 1 });
  await page.goto(`${dev.url}/`);
  await page.getByText('Connected to the dev server.').waitFor();
  await talkTo(page, 'cafe@rbm.goog');
  await say(page, 'carousel');
  await page.getByRole('group', { name: 'Carousel of 3 cards' }).waitFor();
  await say(page, 'card');
  await page.getByRole('button', { name: 'See the menu' }).waitFor();
  await page.locator('.row.user.latest .receipt', { hasText: 'Read' }).waitFor();
  await page.locator('.row.user.latest .push').waitFor();
  await page.getByLabel('Message', { exact: true }).blur();
  await page.mouse.move(0, 0);
  await page.waitForTimeout(400); // smooth scrolling settles
  mkdirSync(fileURLToPath(new URL('.', `file://${OUT}`)), { recursive: true });
  await page.screenshot({ path: OUT });
  console.log(`wrote ${OUT}`);
} finally {
  await browser.close();
  await dev.close();
}
