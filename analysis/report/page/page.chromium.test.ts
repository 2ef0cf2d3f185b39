/**
 * The report page in real Chromium at desktop and phone width: the verdict, the deciding templates and the journey
 * chart are visible, nothing is fetched, nothing overflows sideways. Screenshots are saved to
 * `.artifacts/report-page/` (ignored by git) for people to look at.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../../lib/chromium.ts';
import { sampleRollback } from './testing/sample.ts';
import { writeReportPage } from './write.ts';

const ARTIFACTS = resolve(import.meta.dirname, '../../../.artifacts/report-page');
let browser: Browser;
let dir: string;
let file: string;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: findChromium() });
  dir = mkdtempSync(join(tmpdir(), 'report-page-'));
  // A real failure screenshot, taken by the same browser, inlined by writeReportPage.
  const shot = await browser.newPage({ viewport: { width: 640, height: 360 } });
  await shot.setContent('<h1>Your cart</h1><p><b>Checkout failed (HTTP 500), please try again</b></p>');
  await shot.screenshot({ path: join(dir, 'failure.png') });
  await shot.close();
  file = await writeReportPage(join(dir, 'report.html'), sampleRollback('failure.png'));
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  { name: 'desktop', width: 1280 },
  { name: 'phone', width: 390 },
])('report page at $name width', ({ name, width }) => {
  it('shows the verdict, the deciding templates and the journey chart, fetching nothing', async () => {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);

    const verdict = page.getByTestId('verdict');
    await expect.poll(() => verdict.isVisible()).toBe(true);
    expect(await verdict.locator('h1').innerText()).toBe('ROLLBACK');
    expect(await verdict.innerText()).toContain('confidence 99 %');

    const template = page
      .getByTestId('templates')
      .locator('code.tpl')
      .getByText('ERROR shop.checkout - unhandled error on POST');
    expect(await template.isVisible()).toBe(true);
    const canaryCount = page.getByTestId('templates').locator('td[data-label=canary]').first();
    expect(await canaryCount.innerText()).toMatch(/^47/);

    const chart = page.getByTestId('journeys').locator('svg.chart');
    expect(await chart.isVisible()).toBe(true);
    const box = await chart.boundingBox();
    expect(box?.width).toBeGreaterThan(200);
    expect(await chart.locator('rect').count()).toBe(16);
    const shot = page.getByTestId('journeys').locator('img');
    expect(await shot.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(640);

    // Readable at this width: the document does not scroll sideways.
    const overflow = await page.evaluate('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow as number).toBeLessThanOrEqual(0);
    expect(requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'))).toEqual([]);

    await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    await page.close();
  });
});
