import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { journeySpecJsonSchema } from './schema.ts';
import { SHOP_SPEC_YAML } from './testing/faultApp.ts';

const committed = readFileSync(new URL('./journey-spec.schema.json', import.meta.url), 'utf8');

describe('journey-spec.schema.json', () => {
  it('is the schema generated from the zod schema (regenerate: sentinel journey schema > journeys/journey-spec.schema.json)', () => {
    // Compared as data, so formatting the file (prettier) does not matter.
    expect(JSON.parse(committed)).toEqual(journeySpecJsonSchema());
  });

  it('validates a good spec and refuses an unknown step (as an editor would)', () => {
    const validate = new Ajv2020({ strict: false }).compile(JSON.parse(committed));
    expect(validate(parse(SHOP_SPEC_YAML))).toBe(true);
    expect(validate({ journeys: [{ name: 'a', steps: [{ action: 'tap' }] }] })).toBe(false);
  });
});
