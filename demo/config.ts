/** @module demo/config — `sentinel demo`'s options (flags or env vars), parsed once. */
import { z } from 'zod';
import { REPORT_OPTIONS } from '../analysis/report/config.ts';
import {
  boolOption,
  ConfigError,
  defineOptions,
  intOption,
  loadOptions,
  type OptionsOf,
} from '../lib/config.ts';
import { llmOptions, SHARED_OPTIONS } from '../lib/vocabulary.ts';

const DEMO_LLM = llmOptions('none', ['SENTINEL_DEMO_LLM']);

export const DEMO_OPTIONS = defineOptions({
  out: {
    env: 'SENTINEL_DEMO_DIR',
    flag: '--out',
    schema: z.string().default('sentinel-demo'),
    description: 'folder for runs (logs, report pages, traces) and the local issue outbox',
  },
  replicas: {
    env: 'SENTINEL_DEMO_REPLICAS',
    flag: '--replicas',
    schema: intOption(2, 1, 3),
    description: 'pods per version (each a process with its own log file)',
  },
  sessions: {
    env: 'SENTINEL_DEMO_SESSIONS',
    flag: '--sessions',
    // 120 sessions (~750 requests) per side: enough lines for the judge's exact tests to separate a 5 % error
    // rate from zero with p < 1e-6, and under 2 s of load on a 2-core machine.
    schema: intOption(120, 20, 5000),
    description: 'shopping sessions of background traffic per side and stage',
  },
  repeat: {
    env: 'SENTINEL_DEMO_REPEAT',
    flag: '--repeat',
    // Three paired runs per side: the fewest the journeys' exact test judges (journeys/compare.ts), and each run is a
    // fresh browser context through the proxy, so more only lengthens the demo.
    schema: intOption(3, 1, 20),
    description: 'paired journey runs per side (the journeys need 3 to judge)',
  },
  warmBrowser: {
    env: 'SENTINEL_DEMO_WARM_BROWSER',
    flag: '--warm-browser',
    schema: boolOption(true),
    description:
      "launch the proxy's Chromium while the pods start (true), or on the first journey (false, the cluster's default)",
  },
  chromiumPath: {
    ...SHARED_OPTIONS.chromiumPath,
    description: 'Chromium executable (default: found automatically); the proxy uses the same',
  },
  // The shared LLM options (lib/vocabulary.ts): one definition of each name, env var and schema. SENTINEL_DEMO_LLM
  // is `--llm`'s old name.
  llm: DEMO_LLM.llm,
  geminiApiKey: DEMO_LLM.llmApiKey,
  /** Where Gemini is reached (a local stand-in speaking its REST API in the tests; a proxy). */
  geminiBaseUrl: DEMO_LLM.llmBaseUrl,
  github: {
    env: 'SENTINEL_DEMO_GITHUB',
    flag: '--github',
    schema: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'expected owner/name')
      .optional(),
    description: 'file the issue in this GitHub repository instead of the local outbox (needs GITHUB_TOKEN)',
  },
  githubToken: REPORT_OPTIONS.token,
  /** GitHub's REST root (GitHub Enterprise Server, or a local stand-in in the tests). */
  githubApiUrl: REPORT_OPTIONS.apiUrl,
});
/** The demo's options; `--llm auto` is settled here: gemini when GEMINI_API_KEY is set, else none. */
export type DemoConfig = Omit<OptionsOf<typeof DEMO_OPTIONS>, 'llm'> & { llm: 'none' | 'gemini' };

/** Reads flags and env vars; throws ConfigError naming each bad value, and when a switched-in service lacks its key. */
export function loadDemoConfig(argv: readonly string[], env = process.env): DemoConfig {
  const { options, positionals } = loadOptions(DEMO_OPTIONS, { env, argv });
  const problems: string[] = [];
  if (positionals.length > 0)
    problems.push(`unexpected argument ${positionals[0]}; see sentinel demo --help`);
  if (options.llm === 'gemini' && !options.geminiApiKey)
    problems.push('--llm gemini needs GEMINI_API_KEY (an API key from https://aistudio.google.com/apikey)');
  if (options.github && !options.githubToken)
    problems.push('--github owner/repo needs GITHUB_TOKEN (Issues: read and write on that repository)');
  if (problems.length > 0) throw new ConfigError(problems);
  const llm = options.llm === 'auto' ? (options.geminiApiKey ? 'gemini' : 'none') : options.llm;
  return { ...options, llm };
}

/** The environment of a child process the demo starts: this process's own, plus `extra`. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
