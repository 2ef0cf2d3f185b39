/** @module journeys/errors — the journey runner's error catalog (permanent codes; message says what, why and what to do). */
import { SentinelError } from '../lib/errors.ts';

/** A spec failed to parse or validate; `problems` name the journey, the step number and the field. */
export class JourneySpecError extends SentinelError {
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(
      'InvalidJourneySpec',
      `${source} is not a valid journey spec:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      {
        hint: 'Fix the fields named above; journeys/journey-spec.schema.json lets an editor check a spec as you write it.',
      },
    );
    this.problems = problems;
  }
}

/** A `{{variable}}` could not be given a value. */
export class JourneyVariableError extends SentinelError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('JourneyVariableUnresolved', message, {
      hint: 'Define it under `variables:` (a value, an env var or a mounted file), or pass its env var to the runner.',
      ...opts,
    });
  }
}

/** Bad options to runJourneys/runPaired (not a spec problem). */
export class JourneyOptionsError extends SentinelError {
  constructor(message: string, hint: string) {
    super('InvalidJourneyOptions', message, { hint });
  }
}
