/**
 * Headless chromium for the report's browser tests: Debian's /usr/bin/chromium (scripts/test.sh
 * installs it; BUSFUZZ_CHROMIUM overrides the path), driven by puppeteer-core, with a fresh profile
 * folder per launch and every background service that could reach the network turned off.
 * Screenshots go under test-output/ (gitignored) for a person to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

export const CHROMIUM = process.env.BUSFUZZ_CHROMIUM ?? '/usr/bin/chromium';
export const TEST_OUTPUT = join(import.meta.dirname, '..', '..', 'test-output');

export interface Chromium {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'busfuzz-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens a page from a file and collects console errors, page errors and any request off the machine. */
export async function openPage(
  chromium: Chromium,
  file: string,
  width = 1500,
): Promise<{ page: Page; errors: string[]; requests: string[]; loadMs: number }> {
  const page = await chromium.browser.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('request', (request) => {
    if (!request.url().startsWith('file:') && !request.url().startsWith('data:')) requests.push(request.url());
  });
  await page.setViewport({ width, height: 1000 });
  const started = Date.now();
  await page.goto(`file://${file}`, { waitUntil: 'load' });
  await page.waitForSelector('body[data-ready]', { timeout: 20_000 });
  return { page, errors, requests, loadMs: Date.now() - started };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const path = join(TEST_OUTPUT, name);
  await page.screenshot({ path, fullPage: true });
  return path;
}
