/**
 * @module journeys/cli — `sentinel journey run|compare|schema`: run journeys against a target, or compare canary vs
 * stable. A table on stdout (or `--json`), progress on stderr when it is a terminal. Exit codes follow the judge's:
 * 0 no regression, 1 regression (compare) / a failed journey (run), 2 inconclusive, 3 usage, 4 internal error.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, optionsHelp } from '../lib/config.ts';
import { COMPARE, loadCommand, processEnv, RUN, type Common } from './config.ts';
import { SentinelError, errorMessage } from '../lib/errors.ts';
import { EXIT_CODES_HELP } from '../lib/exitCodes.ts';
import { EXIT_CODES, verdictExitCode } from './exitCodes.ts';
import { loadJourneySpec } from './parse.ts';
import { runPaired } from './paired.ts';
import { runJourneys } from './runner.ts';
import { journeySpecJsonSchemaText } from './schema.ts';
import { formatPaired, formatRun, progressLine } from './table.ts';
import type { BrowserSource, CommonRunOptions, RunReport } from './types.ts';

const USAGE = `usage:
  sentinel journey run --spec F --base-url URL [--proxy ws://…] [--backend a,b] [--repeat N] [--artifacts DIR] [--json]
  sentinel journey compare --spec F --canary URL --stable URL [--proxy ws://…] [--backend a,b] [--repeat N] [--json]
  sentinel journey schema          print the spec's JSON Schema

${EXIT_CODES_HELP}
  (run: 0 all journeys passed, 1 a journey failed; 2 for infrastructure errors; a bad spec is 3)
`;

function readToken(path: string | undefined): string | undefined {
  if (!path) return undefined;
  try {
    const token = readFileSync(path, 'utf8').trim();
    if (token) return token;
  } catch (err) {
    throw new ConfigError([
      `--token-file ${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? errorMessage(err)}`,
    ]);
  }
  throw new ConfigError([`--token-file ${path} is empty`]);
}

function browserOf(o: Common): BrowserSource {
  if (o.proxy && o.browserWs) throw new ConfigError(['give --proxy or --browser-ws, not both']);
  if (o.proxy) {
    const token = readToken(o.tokenFile);
    return {
      kind: 'proxy',
      wsEndpoint: o.proxy,
      backends: o.backend,
      tenantHeader: o.tenantHeader,
      ...(token ? { token } : {}),
    };
  }
  if (o.backend.length > 0) throw new ConfigError(['--backend needs --proxy (backends are the proxy’s)']);
  return o.browserWs ? { kind: 'direct', wsEndpoint: o.browserWs } : { kind: 'launch' };
}

function common(o: Common): CommonRunOptions {
  const tty = process.stderr.isTTY === true;
  return {
    browser: browserOf(o),
    concurrency: o.concurrency,
    deadlineMs: o.deadline,
    env: processEnv(),
    ...(o.journey.length ? { journeys: o.journey } : {}),
    ...(o.artifacts ? { artifactsDir: o.artifacts } : {}),
    ...(tty ? { onProgress: (e) => process.stderr.write(progressLine(e)) } : {}),
  };
}

/** `run`: all passed → 0; a journey failed → 1; only infrastructure errors → 2. */
export function runExitCode(report: RunReport): number {
  const runs = report.backends.flatMap((b) => b.runs);
  if (runs.some((r) => r.status === 'failed')) return EXIT_CODES.regression;
  if (runs.length === 0 || runs.some((r) => r.status === 'error')) return EXIT_CODES.inconclusive;
  return EXIT_CODES.noRegression;
}

async function sub(name: string, argv: string[]): Promise<number> {
  if (name === 'schema') {
    process.stdout.write(journeySpecJsonSchemaText());
    return 0;
  }
  if (name === 'run') {
    const { options: o, positionals } = loadCommand(RUN, argv);
    if (positionals.length) throw new ConfigError([`unexpected argument ${positionals[0]}`]);
    const base = common(o);
    const spec = await loadJourneySpec(o.spec);
    const report = await runJourneys(spec, { ...base, baseUrl: o.baseUrl, repeat: o.repeat });
    process.stdout.write(o.json === 'true' ? `${JSON.stringify(report)}\n` : formatRun(report));
    return runExitCode(report);
  }
  if (name === 'compare') {
    const { options: o, positionals } = loadCommand(COMPARE, argv);
    if (positionals.length) throw new ConfigError([`unexpected argument ${positionals[0]}`]);
    const base = common(o);
    const spec = await loadJourneySpec(o.spec);
    const report = await runPaired(spec, {
      ...base,
      canary: o.canary,
      stable: o.stable,
      repeat: o.repeat,
    });
    process.stdout.write(o.json === 'true' ? `${JSON.stringify(report)}\n` : formatPaired(report));
    return verdictExitCode(report.verdict);
  }
  process.stderr.write(`sentinel journey: unknown subcommand "${name}".\n\n${USAGE}`);
  return EXIT_CODES.usage;
}

/** Runs `sentinel journey …`; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || rest.includes('--help')) {
    const opts = name === 'compare' ? COMPARE : RUN;
    process.stdout.write(`${USAGE}\noptions (flag, env var, meaning):\n${optionsHelp(opts)}\n`);
    return name ? 0 : EXIT_CODES.usage;
  }
  try {
    return await sub(name, rest);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`sentinel journey ${name}: ${err.message}\n`);
      return EXIT_CODES.usage;
    }
    // Spec, variable and option errors are the caller's input: usage, not a regression.
    if (err instanceof SentinelError) {
      process.stderr.write(`sentinel journey ${name}: ${err.describe()}\n`);
      return EXIT_CODES.usage;
    }
    process.stderr.write(`sentinel journey ${name}: internal error: ${errorMessage(err)}\n`);
    return EXIT_CODES.internal;
  }
}
