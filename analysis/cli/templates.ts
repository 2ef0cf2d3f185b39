/** @module analysis/cli/templates — `sentinel templates FILE [--json]`: mines log templates; with --json one object per input line. */
import { z } from 'zod';
import { ConfigError, defineOptions, optionsHelp } from '../../lib/config.ts';
import { EXIT_CODES_HELP } from '../../lib/exitCodes.ts';
import { loadCommandOptions } from '../config.ts';
import { AnalysisError } from '../errors.ts';
import { fileSource } from '../logs/fileLogs.ts';
import { readRecords } from '../logs/records.ts';
import { TemplateMiner, templateText, type Cluster } from '../templates/drain.ts';
import { PipeWriter } from './output.ts';

const OPTIONS = defineOptions({
  json: {
    env: 'SENTINEL_JSON',
    flag: '--json',
    boolean: true,
    schema: z.enum(['true', 'false']).default('false'),
    description: 'one JSON object per input line, in input order',
  },
});

/** Mines `path` and returns the clusters plus, per record, its cluster and physical line count. */
export async function mineFile(
  path: string,
  signal?: AbortSignal,
): Promise<{ miner: TemplateMiner; records: Array<{ cluster: Cluster; lines: number }> }> {
  const miner = new TemplateMiner();
  const records: Array<{ cluster: Cluster; lines: number }> = [];
  for await (const rec of readRecords(await fileSource(path, signal)))
    records.push({ cluster: miner.add(rec.message), lines: rec.lines });
  return { miner, records };
}

/** Runs the command: exit 0, or 3 for a usage or input error. */
export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(
      `usage: sentinel templates FILE [--json]\n\n${optionsHelp(OPTIONS)}\n\n${EXIT_CODES_HELP}\n`,
    );
    return 0;
  }
  const { options, positionals } = loadCommandOptions(OPTIONS, argv);
  if (positionals.length !== 1) throw new ConfigError(['give exactly one log file (or - for stdin)']);
  let mined;
  try {
    mined = await mineFile(positionals[0] as string);
  } catch (err) {
    if (err instanceof AnalysisError) {
      process.stderr.write(`sentinel templates: ${err.describe()}\n`);
      return 3;
    }
    throw err;
  }
  // Output streams in chunks; a reader that goes away (`| head`) ends it quietly with exit 0.
  const out = new PipeWriter();
  const CHUNK = 512;
  let buf: string[] = [];
  const flush = async (): Promise<void> => {
    if (buf.length) await out.write(`${buf.join('\n')}\n`);
    buf = [];
  };
  if (options.json === 'true') {
    // Templates are final (after all lines were seen), so every line of a group reports the same template. One JSON
    // line per input line, always: a multi-line record repeats its line for each physical line it spans.
    for (const r of mined.records) {
      const line = JSON.stringify({ templateId: r.cluster.id, template: templateText(r.cluster) });
      for (let i = 0; i < r.lines; i++) buf.push(line);
      if (buf.length >= CHUNK) await flush();
      if (out.closed) return 0;
    }
  } else {
    for (const c of [...mined.miner.clusters].sort((a, b) => b.count - a.count)) {
      buf.push(`${String(c.count).padStart(8)}  ${c.id.padEnd(6)} ${templateText(c)}`);
      if (buf.length >= CHUNK) await flush();
      if (out.closed) return 0;
    }
  }
  await flush();
  return 0;
}
