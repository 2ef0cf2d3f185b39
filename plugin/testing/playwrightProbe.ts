/**
 * @module plugin/testing/playwrightProbe — bundled like the plugin's canary payload (plugin/build.ts: CommonJS, no
 * top-level await) by plugin/bundle.test.ts, to prove that playwright-core works inside a one-file bundle with
 * nothing beside it: connects to the browser server given as argv[2], renders a page and prints its title.
 */
import { chromium } from 'playwright-core';

async function probe(): Promise<void> {
  const browser = await chromium.connect(process.argv[2] ?? '');
  const page = await (await browser.newContext()).newPage();
  await page.setContent('<title>bundled playwright-core</title><p>ok</p>');
  process.stdout.write(`${await page.title()}\n`);
  await browser.close();
}

void probe();
