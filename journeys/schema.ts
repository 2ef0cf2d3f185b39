/** @module journeys/schema — the JSON Schema of a journey spec, generated from the zod schema (committed as journey-spec.schema.json). */
import { z } from 'zod';
import { JourneySpecSchema } from './spec.ts';

/** The JSON Schema editors validate a spec with (input side: defaults are optional). */
export function journeySpecJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(JourneySpecSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/rollout-sentinel/rollout-sentinel/journeys/journey-spec.schema.json',
    title: 'rollout-sentinel journey spec',
  };
}

/** The committed file's exact text (2-space JSON plus a newline). */
export function journeySpecJsonSchemaText(): string {
  return `${JSON.stringify(journeySpecJsonSchema(), null, 2)}\n`;
}
