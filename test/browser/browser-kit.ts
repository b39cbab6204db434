// Shared by the browser tests and the screenshot script: Debian's Chromium through
// playwright-core, and `rbmkit dev` on a free port with the test café config.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { runDev, type DevServer } from '../../core/cli/dev.js';

export const CAFE_CONFIG = fileURLToPath(new URL('../fixtures/dev/cafe.yaml', import.meta.url));

const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The path of the `chromium` command, or undefined when it is not installed. */
export function chromiumPath(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * Chromium, headless; throws saying how to install it when it is missing. With
 * RBMKIT_SKIP_BROWSER=1, resolves undefined instead, for the caller to skip.
 */
export async function launchChromium(): Promise<Browser | undefined> {
  const executablePath = chromiumPath();
  if (executablePath === undefined) {
    if (process.env.RBMKIT_SKIP_BROWSER === '1') return undefined;
    throw new Error(
      'the browser tests need Chromium: expected a `chromium` command on the PATH (Debian: apt-get install -y chromium, or bash .ci/ensure-chromium); set RBMKIT_SKIP_BROWSER=1 to skip them',
    );
  }
  return chromium.launch({ executablePath, headless: true, args: ARGS });
}

/** `rbmkit dev` with the café config on a free loopback port. */
export function startCafe(): Promise<DevServer> {
  return runDev({ config: CAFE_CONFIG, port: 0, host: '127.0.0.1', env: {} });
}

/** Picks the agent and phone in the page's inputs, as a user would (type, then Enter). */
export async function talkTo(page: Page, agentId: string, phone = '+15555550100'): Promise<void> {
  await page.getByLabel('Agent', { exact: true }).fill(agentId);
  await page.getByLabel('Agent', { exact: true }).press('Enter');
  await page.getByLabel('Your phone number').fill(phone);
  await page.getByLabel('Your phone number').press('Enter');
  await page.getByRole('heading', { name: agentId }).waitFor();
}

/** Types a message and sends it with Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message', { exact: true }).fill(text);
  await page.getByLabel('Message', { exact: true }).press('Enter');
}

/**
 * A fresh browser context on the dev server's chat page, once the page is connected, and the
 * errors its script throws from the start (a module that fails to load among them).
 */
export async function openChatPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${url}/`);
  await page.getByText('Connected to the dev server.').waitFor();
  return { context, page, pageErrors };
}
