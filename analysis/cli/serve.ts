/**
 * @module analysis/cli/serve — `sentinel serve`: the canary analysis as an HTTP service (see analysis/serve/server.ts
 * and analysis/canary/README.md for the `web` AnalysisTemplate and Flagger webhook snippets).
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { boolOption, ConfigError, defineOptions, optionsHelp } from '../../lib/config.ts';
import { EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { componentLogger, createRootLogger } from '../../lib/log.ts';
import { PlaywrightJourneyRunner } from '../canary/playwrightRunner.ts';
import { loadCommandOptions } from '../config.ts';
import { createCanaryService } from '../serve/server.ts';

export const OPTIONS = defineOptions({
  host: {
    env: 'SENTINEL_SERVE_HOST',
    flag: '--host',
    schema: z.string().default('0.0.0.0'),
    description: 'address to listen on',
  },
  port: {
    env: 'SENTINEL_SERVE_PORT',
    flag: '--port',
    schema: z.coerce.number().int().min(0).max(65535).default(8080),
    description: 'port (0: any free port)',
  },
  tokenFile: {
    env: 'SENTINEL_SERVE_TOKEN_FILE',
    flag: '--token-file',
    schema: z.string({
      error: 'required: a file holding the bearer token callers must send (a mounted Secret)',
    }),
    description: 'file holding the bearer token callers must present',
  },
  flaggerWithoutToken: {
    env: 'SENTINEL_SERVE_FLAGGER_WITHOUT_TOKEN',
    flag: '--flagger-without-token',
    boolean: true,
    schema: boolOption(false),
    description:
      "serve /v1/flagger/* without the bearer token (Flagger's webhooks send no headers); only behind a NetworkPolicy admitting Flagger alone",
  },
  maxRunning: {
    env: 'SENTINEL_SERVE_MAX_RUNNING',
    flag: '--max-running',
    schema: z.coerce.number().int().min(1).max(64).default(2),
    description: 'analyses running at once (more get 429)',
  },
});

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(
      `usage: sentinel serve --token-file FILE [--port 8080]\n\n${optionsHelp(OPTIONS)}\n\nPOST /v1/analyses {analysis, step} · GET /v1/analyses/{id} · ?wait=50s · ?gate=true · POST /v1/flagger/{rollout|confirm-promotion|rollback} (Flagger's payload)\n\n${EXIT_CODES_HELP}\n`,
    );
    return 0;
  }
  const { options } = loadCommandOptions(OPTIONS, argv);
  let token: string;
  try {
    token = readFileSync(options.tokenFile, 'utf8').trim();
  } catch (err) {
    throw new ConfigError([
      `SENTINEL_SERVE_TOKEN_FILE (--token-file) = ${options.tokenFile}: cannot read it (${(err as NodeJS.ErrnoException).code}).`,
    ]);
  }
  if (token.length < 16)
    throw new ConfigError([
      `SENTINEL_SERVE_TOKEN_FILE (--token-file): the token must be at least 16 characters.`,
    ]);
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const log = componentLogger(createRootLogger({ level: 'info' }), 'analysis');
  const svc = createCanaryService({
    token,
    deps: { kubeConfig, journeyRunner: new PlaywrightJourneyRunner() },
    maxRunning: options.maxRunning,
    flaggerWithoutToken: options.flaggerWithoutToken,
    log,
  });
  await new Promise<void>((r) => svc.server.listen(options.port, options.host, r));
  const addr = svc.server.address();
  log.info(
    { address: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : String(addr) },
    'sentinel serve listening',
  );
  await new Promise<void>((r) => process.once('SIGTERM', r));
  svc.close();
  return 0;
}
