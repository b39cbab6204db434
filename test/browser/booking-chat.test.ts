import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runDev, type DevServer } from '../../core/cli/dev.js';
import { launchChromium, say, talkTo, openChatPage } from './browser-kit.js';

const BOOKING_CONFIG = fileURLToPath(new URL('../../examples/table-booking/rbmkit.yaml', import.meta.url));

// The table-booking example (examples/table-booking) under `rbmkit dev`, driven in a real
// (headless) Chromium: chips to tap, a name checked as typed, a rich card to confirm.
describe('web chat page: the table-booking example (real browser)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let dev: DevServer;
  let context: BrowserContext;
  let page: Page;

  before(async function () {
    browser = await launchChromium();
    if (browser === undefined) this.skip(); // RBMKIT_SKIP_BROWSER=1 and no chromium
    dev = await runDev({ config: BOOKING_CONFIG, port: 0, host: '127.0.0.1', env: { LOG_LEVEL: 'silent' } });
  });

  after(async () => {
    await browser?.close();
    await dev?.close();
  });

  beforeEach(async () => {
    ({ context, page } = await openChatPage(browser!, dev.url));
  });

  afterEach(async () => {
    await context.close();
  });

  /** Waits for an agent message holding exactly this text (the last one, if it came before). */
  const agentSays = (text: string) => page.locator('.row.agent').getByText(text, { exact: true }).last().waitFor();
  /** Taps the last chip of that name: earlier messages' chips may still be in the page. */
  const tap = (name: string) => page.getByRole('button', { name, exact: true }).last().click();
  const chipsOfLast = () => page.getByRole('group', { name: 'Suggested replies and actions' }).last().getByRole('button').allTextContents();

  it('books a table: party size and time by chips, a checked name, a card to confirm, a change of time', async () => {
    await talkTo(page, 'booking@rbm.goog', '+15555550201');
    await say(page, 'book');
    await agentSays('Table for how many?');
    expect(await chipsOfLast()).to.deep.equal(['2', '3', '4', '5', '6']);

    await tap('4');
    await agentSays('A table for 4. Which time tonight?');
    expect(await chipsOfLast()).to.deep.equal(['18:00', '19:30', '21:00']);
    await tap('19:30');
    await agentSays('Under what name?');

    await say(page, 'R2-D2');
    await agentSays('Please send a name: letters only, 2 to 40 of them.');
    await say(page, 'Ada');
    const card = page.getByRole('article', { name: '4 guests at 19:30' });
    await card.waitFor();
    expect(await card.locator('.card-title').textContent()).to.equal('4 guests at 19:30');
    expect(await card.locator('.card-description').textContent()).to.equal('Tonight, under the name Ada.');
    expect(await chipsOfLast()).to.deep.equal(['Confirm', 'Change time']);

    // Change time goes back to the time, then to the card again.
    await tap('Change time');
    await page.getByText('A table for 4. Which time tonight?').nth(1).waitFor();
    expect(await chipsOfLast()).to.deep.equal(['18:00', '19:30', '21:00']);
    await tap('21:00');
    const again = page.getByRole('article', { name: '4 guests at 21:00' });
    await again.waitFor();
    expect(await again.locator('.card-description').textContent()).to.equal('Tonight, under the name Ada.');
    expect(await chipsOfLast()).to.deep.equal(['Confirm', 'Change time']);
    // The flow does not mark messages read: wait for the push's status instead, then shoot.
    await page.locator('.row.user.latest .push', { hasText: /^200 · \d+ ms$/ }).waitFor();
    await page.getByLabel('Message', { exact: true }).blur();
    await page.mouse.move(0, 0);
    await page.waitForTimeout(400); // smooth scrolling settles (for the picture only, as take-screenshot.ts does)
    await page.screenshot({ path: '/tmp/booking-browser.png' });

    await tap('Confirm');
    await agentSays('Booked: 4 guests at 21:00, under Ada. See you tonight!');
    expect(await chipsOfLast()).to.deep.equal(['Book another']);
    expect(await page.locator('.row.user .user-bubble').allTextContents()).to.deep.equal(['book', '4', '19:30', 'R2-D2', 'Ada', 'Change time', '21:00', 'Confirm']);
  });

  it('cancel ends the booking mid-flow; what is said after it is echoed', async () => {
    await talkTo(page, 'booking@rbm.goog', '+15555550202');
    await say(page, 'book');
    await agentSays('Table for how many?');
    await tap('2');
    await agentSays('A table for 2. Which time tonight?');
    await say(page, 'cancel');
    await agentSays('Booking cancelled. Send BOOK whenever you like.');
    await say(page, 'just saying hi');
    await agentSays('just saying hi');
    expect(await page.locator('.row.agent').last().textContent()).to.include('just saying hi');
  });
});
