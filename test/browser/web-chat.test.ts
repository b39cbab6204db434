import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { DevServer } from '../../core/cli/dev.js';
import { launchChromium, say, startCafe, talkTo, openChatPage } from './browser-kit.js';

// `rbmkit dev` with the café config, driven in a real (headless) Chromium. The agent's side
// is real: the bot runs the plugins, which send to the fake RBM API; the page shows that.
describe('web chat page of rbmkit dev (real browser)', function () {
  this.timeout(60_000);
  let browser: Browser | undefined;
  let dev: DevServer;
  let context: BrowserContext;
  let page: Page;
  let pageErrors: string[];

  before(async function () {
    browser = await launchChromium();
    if (browser === undefined) this.skip(); // RBMKIT_SKIP_BROWSER=1 and no chromium
    dev = await startCafe();
  });

  after(async () => {
    await browser?.close();
    await dev?.close();
  });

  beforeEach(async () => {
    ({ context, page, pageErrors } = await openChatPage(browser!, dev.url));
  });

  afterEach(async () => {
    await context.close();
    expect(pageErrors, 'errors thrown by the page').to.deep.equal([]);
  });

  const agentRows = () => page.locator('.row.agent');
  const lastUserRow = () => page.locator('.row.user').last();

  it('sends a typed line with Enter; echo answers, the message shows read, and the push its status and latency', async () => {
    await talkTo(page, 'echo@rbm.goog', '+15555550101');
    await say(page, 'hello from the browser');
    await agentRows().filter({ hasText: 'hello from the browser' }).waitFor();
    const mine = lastUserRow();
    await mine.locator('.receipt', { hasText: 'Read' }).waitFor();
    expect(await mine.locator('.user-bubble').textContent()).to.equal('hello from the browser');
    expect(await mine.locator('.push').textContent()).to.match(/^200 · \d+ ms$/);
    expect(await page.getByLabel('Message', { exact: true }).inputValue()).to.equal('');
  });

  it('taps a chip with the keyboard: the plugin gets its postbackData, and the chip text shows as sent', async () => {
    await talkTo(page, 'cafe@rbm.goog', '+15555550102');
    await say(page, 'chips');
    const chips = page.getByRole('group', { name: 'Suggested replies and actions' });
    await chips.getByRole('button', { name: 'Yes please' }).waitFor();
    for (const action of ['Call us: opens the dialer with +15551234567', 'Website: opens https://example.com/cafe', 'Share location', 'Find us', 'Book a table']) {
      expect(await chips.getByRole('button', { name: action }).count(), action).to.equal(1);
    }
    await chips.getByRole('button', { name: 'Yes please' }).focus();
    await page.keyboard.press('Enter');
    await agentRows().filter({ hasText: 'You tapped YES_PLEASE' }).waitFor();
    expect(await page.locator('.row.user .user-bubble').last().textContent()).to.equal('Yes please');
    // The chips of a message go once the user answered it.
    expect(await chips.isHidden()).to.equal(true);

    // An action chip sends its postbackData as an ACTION, and says what the phone would do.
    await say(page, 'chips');
    await chips.getByRole('button', { name: /^Call us/ }).click();
    await agentRows().filter({ hasText: 'You tapped Call us' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'The phone opens the dialer with +15551234567.' }).waitFor();
  });

  it('renders a rich card and a carousel: title, description, media, and chips that work', async () => {
    await talkTo(page, 'cafe@rbm.goog', '+15555550103');
    await say(page, 'card');
    const card = page.getByRole('article', { name: 'Pho of the day' });
    await card.waitFor();
    expect(await card.getAttribute('class')).to.include('standalone').and.include('vertical');
    expect(await card.locator('.card-description').textContent()).to.equal('Slow-cooked beef broth, rice noodles, fresh herbs. Ready in 10 minutes.');
    const media = card.locator('.media');
    expect(await media.getAttribute('class')).to.include('media-MEDIUM');
    expect((await media.boundingBox())!.height).to.equal(168);
    expect(await card.locator('img').getAttribute('src')).to.match(/^data:image\/svg\+xml;base64,/);
    expect(await card.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).to.be.greaterThan(0);
    expect(await card.getByRole('button').allTextContents()).to.deep.equal(['Order one', 'Call the café']);
    await page.getByRole('group', { name: 'Suggested replies and actions' }).getByRole('button', { name: 'See the menu' }).waitFor();

    await say(page, 'carousel');
    const carousel = page.getByRole('group', { name: 'Carousel of 3 cards' });
    await carousel.waitFor();
    expect(await carousel.getAttribute('class')).to.include('width-MEDIUM');
    expect(await carousel.locator('.card-title').allTextContents()).to.deep.equal(['Banh mi', 'Spring rolls', 'Iced coffee']);
    expect(await carousel.locator('.card-description').allTextContents()).to.deep.equal(['Crispy baguette, pork, pickles.', 'Rice paper, shrimp, peanut sauce.', 'Strong, sweet, cold.']);
    expect(await carousel.locator('img').count()).to.equal(3);
    expect((await carousel.locator('.card').first().boundingBox())!.width).to.equal(232);
    await carousel.getByRole('button', { name: 'Order rolls' }).click();
    await agentRows().filter({ hasText: 'You tapped ORDER_ROLLS' }).waitFor();

    await say(page, 'horizontal');
    // The carousel above holds an 'Iced coffee' card too: wait for the second one, the reply's.
    const horizontal = page.getByRole('article', { name: 'Iced coffee' }).nth(1);
    await horizontal.waitFor();
    expect(await horizontal.getAttribute('class')).to.include('horizontal').and.include('align-right');

    // A file by URL (contentInfo): an image shows as a picture.
    await say(page, 'file');
    await page.getByRole('img', { name: 'An image from the agent' }).waitFor();
  });

  it('shows the typing indicator until a message arrives', async () => {
    await talkTo(page, 'cafe@rbm.goog', '+15555550104');
    const typing = page.locator('#typing');
    await say(page, 'typing');
    await typing.waitFor({ state: 'visible' });
    expect(await typing.textContent()).to.include('The agent is typing');
    await say(page, 'card');
    await page.getByRole('article', { name: 'Pho of the day' }).waitFor();
    await typing.waitFor({ state: 'hidden' });
  });

  it('lets the typing indicator expire after about 20 seconds', async () => {
    await context.close();
    context = await browser!.newContext();
    page = await context.newPage();
    await page.clock.install();
    await page.goto(`${dev.url}/`);
    await page.getByText('Connected to the dev server.').waitFor();
    await talkTo(page, 'cafe@rbm.goog', '+15555550177');
    const typing = page.locator('#typing');
    await say(page, 'typing');
    await typing.waitFor({ state: 'visible' });
    await page.clock.fastForward(15_000);
    expect(await typing.isVisible()).to.equal(true);
    await page.clock.fastForward(6_000);
    await typing.waitFor({ state: 'hidden' });
  });

  it("shows which plugin failed and its error, next to the message whose push failed", async () => {
    await talkTo(page, 'cafe@rbm.goog', '+15555550105');
    await say(page, 'crash');
    const mine = lastUserRow();
    const problem = mine.getByRole('alert');
    await problem.waitFor();
    expect(await mine.locator('.push').textContent()).to.match(/^500 plugin_failed · \d+ ms$/);
    expect(await problem.textContent()).to.include('plugins failed: crasher');
    expect(await problem.locator('li').allTextContents()).to.deep.equal(['crasher: the kitchen is on fire']);
  });

  it('shares a location and a file, keeps one conversation per user, and reaches an agent on its own webhook', async () => {
    await talkTo(page, 'echo@rbm.goog', '+15555550123');
    await page.getByRole('button', { name: 'Share a location or a file' }).click();
    await page.getByLabel('Latitude').fill('48.8584');
    await page.getByLabel('Longitude').fill('2.2945');
    await page.getByRole('button', { name: 'Send location' }).click();
    await agentRows().filter({ hasText: 'You are at 48.85840, 2.29450' }).waitFor();
    await page.getByRole('button', { name: 'Share a location or a file' }).click();
    await page.getByLabel('File URL').fill('https://example.com/cat.jpg');
    await page.getByRole('button', { name: 'Send file' }).click();
    await agentRows().filter({ hasText: 'You sent cat.jpg (image/jpeg, 0 bytes)' }).waitFor();

    await talkTo(page, 'echo@rbm.goog', '+15555550124');
    expect(await agentRows().count()).to.equal(0);
    await say(page, 'second user');
    await agentRows().filter({ hasText: 'second user' }).waitFor();
    const list = page.getByRole('list').filter({ has: page.getByRole('button', { name: /\+15555550123/ }) });
    await list.getByRole('button', { name: /\+15555550123/ }).click();
    await agentRows().filter({ hasText: 'You are at' }).waitFor();
    expect(await agentRows().filter({ hasText: 'second user' }).count()).to.equal(0);

    await talkTo(page, 'shop@rbm.goog');
    expect(await page.locator('#webhook-hint').textContent()).to.equal(`Pushes go to ${dev.url}/shop`);
    await say(page, 'hi');
    await agentRows().filter({ hasText: 'shop: hi' }).waitFor();
  });
});
