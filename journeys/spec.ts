/**
 * @module journeys/spec — the journey spec: named journeys of declarative Playwright steps (zod schema, YAML or JSON).
 *
 * Nothing in a spec is code: steps are data the runner interprets, and `{{variables}}` are substituted as plain text.
 */
import { z } from 'zod';

const text = z.string().min(1);
const ms = z.number().int().positive();

/** Where a step acts: exactly one of the Playwright locator kinds (`role` may carry `name`). */
export const LocatorSchema = z
  .strictObject({
    role: text.optional().describe('ARIA role, as in getByRole (button, link, textbox, heading, …)'),
    name: text.optional().describe('accessible name, with role'),
    text: text.optional().describe('visible text, as in getByText'),
    label: text.optional().describe('label text of a form control, as in getByLabel'),
    placeholder: text.optional().describe('placeholder text, as in getByPlaceholder'),
    testId: text.optional().describe('data-testid value, as in getByTestId'),
    css: text.optional().describe('a CSS selector'),
    exact: z.boolean().optional().describe('match name/text/label/placeholder exactly (default: substring)'),
    nth: z.number().int().min(0).optional().describe('pick the nth match (0-based) when several match'),
  })
  .superRefine((l, ctx) => {
    const kinds = LOCATOR_KINDS.filter((k) => l[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        message: `a locator needs exactly one of ${LOCATOR_KINDS.join(', ')} (got ${kinds.length ? kinds.join(' + ') : 'none'})`,
      });
    }
    if (l.name !== undefined && l.role === undefined) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: '"name" is only valid with "role"' });
    }
  })
  .describe('a Playwright locator: exactly one of role (+ name), text, label, placeholder, testId, css');

/** The locator kinds, in the order they are tried in error messages. */
export const LOCATOR_KINDS = ['role', 'text', 'label', 'placeholder', 'testId', 'css'] as const;

const common = {
  name: text.optional().describe('a label for reports (default: the action and its target)'),
  timeoutMs: ms.optional().describe('this step’s timeout (default: the journey’s stepTimeoutMs)'),
};

const LOAD_STATES = ['load', 'domcontentloaded', 'networkidle'] as const;

const GotoStep = z.strictObject({
  action: z.literal('goto'),
  url: text.describe('absolute, or relative to {{baseUrl}}'),
  waitUntil: z.enum([...LOAD_STATES, 'commit']).optional(),
  ...common,
});
const ClickStep = z.strictObject({ action: z.literal('click'), locator: LocatorSchema, ...common });
const HoverStep = z.strictObject({ action: z.literal('hover'), locator: LocatorSchema, ...common });
const FillStep = z.strictObject({
  action: z.literal('fill'),
  locator: LocatorSchema,
  value: z.string(),
  ...common,
});
const PressStep = z.strictObject({
  action: z.literal('press'),
  key: text.describe('a key or chord, e.g. Enter, Control+A'),
  locator: LocatorSchema.optional().describe('element to press on (default: the focused element)'),
  ...common,
});
const SelectStep = z.strictObject({
  action: z.literal('select'),
  locator: LocatorSchema,
  value: z.union([z.string(), z.array(z.string()).min(1)]).describe('option value(s) or label(s)'),
  ...common,
});
const CheckStep = z.strictObject({
  action: z.literal('check'),
  locator: LocatorSchema,
  checked: z.boolean().default(true).describe('false unchecks'),
  ...common,
});

const WaitForStep = z
  .strictObject({
    action: z.literal('waitFor'),
    locator: LocatorSchema.optional(),
    state: z
      .enum(['visible', 'hidden', 'attached', 'detached'])
      .optional()
      .describe('with locator (default visible)'),
    url: text.optional().describe('wait until the page URL contains this'),
    loadState: z.enum(LOAD_STATES).optional(),
    ...common,
  })
  .superRefine((s, ctx) => {
    exactlyOne(s, ['locator', 'url', 'loadState'], ctx);
    if (s.state !== undefined && s.locator === undefined) {
      ctx.addIssue({ code: 'custom', path: ['state'], message: '"state" is only valid with locator' });
    }
  });

const ExpectStep = z
  .strictObject({
    action: z.literal('expect'),
    locator: LocatorSchema.optional(),
    state: z.enum(['visible', 'hidden']).optional().describe('with locator'),
    text: z.string().optional().describe('with locator: its text contains this (exact: equals)'),
    value: z.string().optional().describe('with locator: an input’s value equals this'),
    count: z.number().int().min(0).optional().describe('with locator: how many elements match'),
    exact: z.boolean().optional().describe('text/url/title must equal, not merely contain'),
    url: z.string().optional().describe('the page URL contains this (exact: equals)'),
    title: z.string().optional().describe('the page title contains this (exact: equals)'),
    status: z
      .number()
      .int()
      .min(100)
      .max(599)
      .optional()
      .describe('HTTP status of the document, or of `request`'),
    request: text.optional().describe('with status: the last response whose URL contains this'),
    ...common,
  })
  .superRefine(checkExpect);

const ScreenshotStep = z.strictObject({
  action: z.literal('screenshot'),
  fullPage: z.boolean().optional(),
  ...common,
});

/** One step. `action` selects the kind; unknown fields are errors. */
export const StepSchema = z.discriminatedUnion('action', [
  GotoStep,
  ClickStep,
  FillStep,
  PressStep,
  SelectStep,
  CheckStep,
  HoverStep,
  WaitForStep,
  ExpectStep,
  ScreenshotStep,
]);

/** The actions a step may take. */
export const STEP_ACTIONS = StepSchema.options.map((o) => (o.shape.action as z.ZodLiteral<string>).value);

/** Where a variable's value comes from. Values from env or files are secrets by default: redacted in every output. */
export const VariableSchema = z.union([
  z.string().describe('a literal value (not secret)'),
  z.strictObject({ value: z.string(), secret: z.boolean().default(false) }),
  z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), secret: z.boolean().default(true) }),
  z.strictObject({
    file: text.describe('a mounted file (e.g. a Kubernetes Secret); its content, trailing newline removed'),
    secret: z.boolean().default(true),
  }),
]);

export const JourneySchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/, 'letters, digits, space, . _ - (1–63 characters)')
    .describe('unique in the spec; shown in reports'),
  description: z.string().optional(),
  timeoutMs: ms.optional().describe('the whole journey’s deadline (default: spec defaults.timeoutMs)'),
  stepTimeoutMs: ms
    .optional()
    .describe('default timeout of each step (default: spec defaults.stepTimeoutMs)'),
  steps: z.array(StepSchema).min(1),
});

/** A spec file: defaults, variables and one or more journeys. */
export const JourneySpecSchema = z
  .strictObject({
    version: z.literal(1).default(1),
    defaults: z
      .strictObject({
        timeoutMs: ms.default(60_000),
        stepTimeoutMs: ms.default(10_000),
      })
      .prefault({}),
    variables: z
      .record(
        z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a variable name: letters, digits, _'),
        VariableSchema,
      )
      .default({})
      .describe('`{{name}}` in any step string is replaced by the value; `baseUrl` is built in'),
    journeys: z.array(JourneySchema).min(1),
  })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.journeys.forEach((j, i) => {
      if (seen.has(j.name))
        ctx.addIssue({
          code: 'custom',
          path: ['journeys', i, 'name'],
          message: `duplicate journey name "${j.name}"`,
        });
      seen.add(j.name);
    });
    if ('baseUrl' in s.variables)
      ctx.addIssue({
        code: 'custom',
        path: ['variables', 'baseUrl'],
        message: '"baseUrl" is built in (the target); it cannot be redefined',
      });
  });

export type Locator = z.infer<typeof LocatorSchema>;
export type Step = z.infer<typeof StepSchema>;
export type StepAction = Step['action'];
export type Variable = z.infer<typeof VariableSchema>;
export type Journey = z.infer<typeof JourneySchema>;
export type JourneySpec = z.infer<typeof JourneySpecSchema>;
/** A spec as written (defaults not yet applied). */
export type JourneySpecInput = z.input<typeof JourneySpecSchema>;

function exactlyOne(s: Record<string, unknown>, keys: readonly string[], ctx: z.RefinementCtx): void {
  const present = keys.filter((k) => s[k] !== undefined);
  if (present.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      message: `needs exactly one of ${keys.join(', ')} (got ${present.length ? present.join(' + ') : 'none'})`,
    });
  }
}

const LOCATOR_ASSERTIONS = ['state', 'text', 'value', 'count'] as const;
const PAGE_ASSERTIONS = ['url', 'title', 'status'] as const;

function checkExpect(s: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (s.locator !== undefined) {
    exactlyOne(s, LOCATOR_ASSERTIONS, ctx);
    for (const k of [...PAGE_ASSERTIONS, 'request']) {
      if (s[k] !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: [k],
          message: `"${k}" is a page assertion; it cannot be combined with locator`,
        });
    }
    return;
  }
  for (const k of LOCATOR_ASSERTIONS) {
    if (s[k] !== undefined) ctx.addIssue({ code: 'custom', path: [k], message: `"${k}" needs a locator` });
  }
  exactlyOne(s, PAGE_ASSERTIONS, ctx);
  if (s.request !== undefined && s.status === undefined) {
    ctx.addIssue({ code: 'custom', path: ['request'], message: '"request" needs "status"' });
  }
}
