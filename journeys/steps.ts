/**
 * @module journeys/steps — runs one declarative step on a page. Each kind maps to a Playwright call; assertions poll
 * until they hold or the step's timeout passes. No user code is evaluated.
 */
import type { Locator as PwLocator, Page } from 'playwright-core';
import type { Locator, Step } from './spec.ts';

/** A step's assertion did not hold within its timeout (the app's failure, not the runner's). */
export class StepFailure extends Error {
  override name = 'StepFailure';
}

/** What a step may need besides the page. */
export interface StepContext {
  page: Page;
  baseUrl: string;
  timeoutMs: number;
  /** Status of the last main-frame document response. */
  documentStatus(): number | undefined;
  /** Responses seen so far (URL, status), oldest first. */
  responses(): readonly { url: string; status: number }[];
  /** Saves a screenshot for a `screenshot` step; returns its path (or undefined when artifacts are off). */
  saveScreenshot(png: Buffer): Promise<string | undefined>;
}

/** Short description of a locator for labels and messages. */
export function describeLocator(l: Locator): string {
  const nth = l.nth === undefined ? '' : ` nth=${l.nth}`;
  if (l.role) return `role=${l.role}${l.name ? ` "${l.name}"` : ''}${nth}`;
  const [kind, value] = Object.entries(l).find(([k]) =>
    ['text', 'label', 'placeholder', 'testId', 'css'].includes(k),
  ) ?? ['?', ''];
  return `${kind}=${JSON.stringify(value)}${nth}`;
}

/** The report label of a step: its `name`, else the action and target (never a filled value). */
export function stepLabel(step: Step): string {
  if (step.name) return step.name;
  switch (step.action) {
    case 'goto':
      return `goto ${step.url}`;
    case 'press':
      return `press ${step.key}${step.locator ? ` on ${describeLocator(step.locator)}` : ''}`;
    case 'waitFor':
      return `waitFor ${step.locator ? describeLocator(step.locator) : step.url ? `url ~ ${step.url}` : `load state ${step.loadState}`}`;
    case 'expect':
      return `expect ${expectTarget(step)}`;
    case 'screenshot':
      return 'screenshot';
    default:
      return `${step.action} ${describeLocator(step.locator)}`;
  }
}

function expectTarget(s: Extract<Step, { action: 'expect' }>): string {
  if (s.locator) {
    const what =
      s.state ??
      (s.text !== undefined
        ? `text ~ ${JSON.stringify(s.text)}`
        : s.value !== undefined
          ? 'value'
          : `count = ${s.count}`);
    return `${describeLocator(s.locator)} ${what}`;
  }
  if (s.url !== undefined) return `url ~ ${JSON.stringify(s.url)}`;
  if (s.title !== undefined) return `title ~ ${JSON.stringify(s.title)}`;
  return s.request
    ? `request ${JSON.stringify(s.request)} status ${s.status}`
    : `document status ${s.status}`;
}

function locate(page: Page, l: Locator): PwLocator {
  const exact = l.exact === undefined ? {} : { exact: l.exact };
  let loc: PwLocator;
  if (l.role)
    loc = page.getByRole(l.role as Parameters<Page['getByRole']>[0], {
      ...(l.name ? { name: l.name } : {}),
      ...exact,
    });
  else if (l.text !== undefined) loc = page.getByText(l.text, exact);
  else if (l.label !== undefined) loc = page.getByLabel(l.label, exact);
  else if (l.placeholder !== undefined) loc = page.getByPlaceholder(l.placeholder, exact);
  else if (l.testId !== undefined) loc = page.getByTestId(l.testId);
  else loc = page.locator(l.css as string);
  return l.nth === undefined ? loc : loc.nth(l.nth);
}

/** Polls `check` (every 50 ms) until it returns undefined (holds) or the timeout passes; then fails with its last text. */
async function poll(timeoutMs: number, check: () => Promise<string | undefined>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const problem = await check();
    if (problem === undefined) return;
    if (performance.now() >= deadline) throw new StepFailure(`${problem} (after ${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, Math.min(50, Math.max(0, deadline - performance.now()))));
  }
}

function matches(actual: string, expected: string, exact: boolean | undefined): boolean {
  return exact ? actual.trim() === expected : actual.includes(expected);
}

async function expectLocator(s: Extract<Step, { action: 'expect' }>, c: StepContext): Promise<void> {
  const loc = locate(c.page, s.locator as Locator);
  const what = describeLocator(s.locator as Locator);
  if (s.state) {
    await loc
      .first()
      .waitFor({ state: s.state, timeout: c.timeoutMs })
      .catch((err: unknown) => {
        throw new StepFailure(`${what} did not become ${s.state} within ${c.timeoutMs} ms`, { cause: err });
      });
    return;
  }
  if (s.count !== undefined) {
    await poll(c.timeoutMs, async () => {
      const n = await loc.count();
      return n === s.count ? undefined : `expected ${s.count} elements matching ${what}, found ${n}`;
    });
    return;
  }
  const wantValue = s.value !== undefined;
  const expected = (wantValue ? s.value : s.text) as string;
  await poll(c.timeoutMs, async () => {
    if ((await loc.count()) === 0) return `${what} not found`;
    const actual = wantValue
      ? await loc.first().inputValue({ timeout: 1000 })
      : ((await loc.first().textContent({ timeout: 1000 })) ?? '');
    const ok = wantValue ? actual === expected : matches(actual, expected, s.exact);
    return ok
      ? undefined
      : `${what} ${wantValue ? 'value' : 'text'} is ${JSON.stringify(actual.slice(0, 120))}, expected ${s.exact || wantValue ? '' : 'to contain '}${JSON.stringify(expected)}`;
  });
}

async function expectPage(s: Extract<Step, { action: 'expect' }>, c: StepContext): Promise<void> {
  if (s.url !== undefined) {
    const want = s.url;
    return poll(c.timeoutMs, async () =>
      matches(c.page.url(), want, s.exact)
        ? undefined
        : `page URL is ${c.page.url()}, expected ${s.exact ? '' : 'to contain '}${want}`,
    );
  }
  if (s.title !== undefined) {
    const want = s.title;
    return poll(c.timeoutMs, async () => {
      const t = await c.page.title();
      return matches(t, want, s.exact)
        ? undefined
        : `page title is ${JSON.stringify(t)}, expected ${s.exact ? '' : 'to contain '}${JSON.stringify(want)}`;
    });
  }
  if (s.request !== undefined) {
    const pattern = s.request;
    return poll(c.timeoutMs, async () => {
      const last = c
        .responses()
        .filter((r) => r.url.includes(pattern))
        .at(-1);
      if (!last) return `no response to a request matching ${JSON.stringify(pattern)}`;
      return last.status === s.status
        ? undefined
        : `request matching ${JSON.stringify(pattern)} answered ${last.status}, expected ${s.status}`;
    });
  }
  return poll(c.timeoutMs, async () => {
    const st = c.documentStatus();
    return st === s.status
      ? undefined
      : `document status is ${st ?? 'unknown (no navigation yet)'}, expected ${s.status}`;
  });
}

async function waitFor(s: Extract<Step, { action: 'waitFor' }>, c: StepContext): Promise<void> {
  const timeout = c.timeoutMs;
  if (s.locator) {
    await locate(c.page, s.locator)
      .first()
      .waitFor({ state: s.state ?? 'visible', timeout });
  } else if (s.url !== undefined) {
    const want = s.url;
    await c.page.waitForURL((u) => u.href.includes(want), { timeout, waitUntil: 'commit' });
  } else {
    await c.page.waitForLoadState(s.loadState, { timeout });
  }
}

/** Runs one step (already substituted). Throws on failure: {@link StepFailure} for assertions, Playwright errors otherwise. */
export async function runStep(step: Step, c: StepContext): Promise<void> {
  const timeout = c.timeoutMs;
  switch (step.action) {
    case 'goto': {
      const url = new URL(step.url, c.baseUrl).href;
      await c.page.goto(url, { timeout, waitUntil: step.waitUntil ?? 'load' });
      return;
    }
    case 'click':
      return locate(c.page, step.locator).click({ timeout });
    case 'hover':
      return locate(c.page, step.locator).hover({ timeout });
    case 'fill':
      return locate(c.page, step.locator).fill(step.value, { timeout });
    case 'press':
      return step.locator
        ? locate(c.page, step.locator).press(step.key, { timeout })
        : c.page.keyboard.press(step.key);
    case 'select':
      await locate(c.page, step.locator).selectOption(step.value, { timeout });
      return;
    case 'check':
      return locate(c.page, step.locator).setChecked(step.checked, { timeout });
    case 'waitFor':
      return waitFor(step, c);
    case 'expect':
      return step.locator ? expectLocator(step, c) : expectPage(step, c);
    case 'screenshot': {
      const png = await c.page.screenshot({
        timeout,
        ...(step.fullPage === undefined ? {} : { fullPage: step.fullPage }),
      });
      await c.saveScreenshot(png);
      return;
    }
  }
}
