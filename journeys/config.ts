/** @module journeys/config — the options of `sentinel journey` (flags and env vars), read once here. */
import { z } from 'zod';
import {
  csvOption,
  defineOptions,
  durationOption,
  intOption,
  loadCommandOptions,
  type OptionsOf,
} from '../lib/config.ts';

const csv = csvOption;

export const COMMON = defineOptions({
  spec: {
    env: 'JOURNEY_SPEC',
    flag: '--spec',
    schema: z.string({ error: 'required: the journey spec file (YAML or JSON)' }),
    description: 'journey spec file (YAML or JSON)',
  },
  proxy: {
    env: 'JOURNEY_PROXY',
    flag: '--proxy',
    schema: z.string().optional(),
    description: 'the sandbox proxy, ws://host:9000 (default: no proxy)',
  },
  browserWs: {
    env: 'JOURNEY_BROWSER_WS',
    flag: '--browser-ws',
    schema: z.string().optional(),
    description: 'a browser server to use instead of a proxy (default: launch a local Chromium)',
  },
  backend: {
    env: 'JOURNEY_BACKENDS',
    flag: '--backend',
    schema: csv,
    description: 'proxy backends to run through, comma-separated (default: the proxy’s default)',
  },
  tokenFile: {
    env: 'JOURNEY_PROXY_TOKEN_FILE',
    flag: '--token-file',
    schema: z.string().optional(),
    description: 'file holding the proxy bearer token (token identity mode)',
  },
  tenantHeader: {
    env: 'JOURNEY_TENANT_HEADER',
    flag: '--tenant-header',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/, 'expected an HTTP header name')
      .default('X-Playwright-Id'),
    description: 'header carrying the tenant id',
  },
  journey: {
    env: 'JOURNEY_NAMES',
    flag: '--journey',
    schema: csv,
    description: 'run only these journeys, comma-separated',
  },
  concurrency: {
    env: 'JOURNEY_CONCURRENCY',
    flag: '--concurrency',
    schema: intOption(2, 1, 32),
    description: 'browser contexts at once per backend',
  },
  artifacts: {
    env: 'JOURNEY_ARTIFACTS',
    flag: '--artifacts',
    schema: z.string().optional(),
    description: 'folder for failure screenshots and traces',
  },
  deadline: {
    env: 'JOURNEY_DEADLINE',
    flag: '--deadline',
    schema: durationOption('10m'),
    description: 'deadline of the whole command',
  },
  json: {
    env: 'JOURNEY_JSON',
    flag: '--json',
    boolean: true,
    schema: z.enum(['true', 'false']).default('false'),
    description: 'print one JSON object on stdout',
  },
});

export const RUN = defineOptions({
  ...COMMON,
  baseUrl: {
    env: 'JOURNEY_BASE_URL',
    flag: '--base-url',
    schema: z.string({ error: 'required: the target base URL' }),
    description: 'target base URL ({{baseUrl}})',
  },
  repeat: {
    env: 'JOURNEY_REPEAT',
    flag: '--repeat',
    schema: intOption(1, 1, 1000),
    description: 'runs per journey',
  },
});

export const COMPARE = defineOptions({
  ...COMMON,
  canary: {
    env: 'JOURNEY_CANARY_URL',
    flag: '--canary',
    schema: z.string({ error: 'required: the canary base URL' }),
    description: 'canary base URL',
  },
  stable: {
    env: 'JOURNEY_STABLE_URL',
    flag: '--stable',
    schema: z.string({ error: 'required: the stable base URL' }),
    description: 'stable base URL',
  },
  repeat: {
    env: 'JOURNEY_REPEAT',
    flag: '--repeat',
    schema: intOption(10, 1, 1000),
    description: 'runs per side per journey',
  },
});

/** The options every subcommand shares. */
export type Common = OptionsOf<typeof COMMON>;

/** Parses a subcommand's flags and env vars (flags win). Throws ConfigError naming each bad option. */
export const loadCommand = loadCommandOptions;

/** The environment, for `{ env: NAME }` spec variables. */
export function processEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}
