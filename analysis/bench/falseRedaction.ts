/**
 * @module analysis/bench/falseRedaction — `npm run bench:false-redaction [-- --seed N] [--loghub DIR]`: how often
 * redaction changes ordinary log lines that hold no secret. Corpora: the Loghub 2k samples (each system, then all;
 * ../shared/data/loghub-2k by default), the eval generator's service logs, generated lines of the kinds that look
 * random but are not secret (UUIDs, hex digests in URLs, base64 image names), and gitleaks' own samples: its
 * false positives (near misses its rules must not flag) and, as the should-change reference, its true positives.
 * Emails are personal data and redacted on purpose: they are counted apart. Every generated line comes from one
 * seeded generator (`--seed`, printed), so two runs with the same seed measure the same lines. Figures, not assertions.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { rng, serviceLog, SERVICES } from '../eval/generate.ts';
import { loadLoghub, loghubDatasets } from '../eval/loghub.ts';
import { redactWithReport } from '../redact/redact.ts';
import { asLogLine, gitleaksExamples } from '../redact/testing/gitleaksExamples.ts';

/** The seed when none is given: fixed, so that figures are comparable between runs and commits. */
const DEFAULT_SEED = 7;
const N = 2000;

const { values } = parseArgs({
  options: { seed: { type: 'string' }, loghub: { type: 'string' } },
  allowPositionals: true,
});
const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
if (!Number.isSafeInteger(seed) || seed < 0) {
  process.stderr.write(`bench:false-redaction: --seed must be a whole number ≥ 0, got ${values.seed}\n`);
  process.exit(3);
}
// Piped into `head`: when the reader goes (EPIPE), the figures are no longer wanted; stop quietly.
process.stdout.on('error', () => process.exit(0));
const random = rng(seed);
const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
const uuid = (): string => {
  const b = bytes(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
const gen = (f: (i: number) => string): string[] => Array.from({ length: N }, (_, i) => f(i));
const b64url = (n: number): string => bytes(n).toString('base64url');

function measure(name: string, lines: readonly string[]): void {
  let changed = 0;
  let email = 0;
  const kinds = new Map<string, number>();
  for (const line of lines) {
    const { text, counts } = redactWithReport(line);
    if (text === line) continue;
    const ks = Object.keys(counts);
    if (ks.every((k) => k === 'email')) {
      email++;
      continue;
    }
    changed++;
    for (const k of ks) kinds.set(k, (kinds.get(k) ?? 0) + 1);
  }
  const pct = ((100 * changed) / Math.max(1, lines.length)).toFixed(2);
  const by = [...kinds].map(([k, n]) => `${k} ${n}`).join(', ');
  process.stdout.write(
    `${name.padEnd(34)} ${String(lines.length).padStart(6)} lines  ${String(changed).padStart(5)} changed (${pct.padStart(5)} %)${email ? `  [+${email} email only]` : ''}${by ? `  by ${by}` : ''}\n`,
  );
}

process.stdout.write(`seed ${seed}${values.seed === undefined ? ' (default)' : ''}\n`);
const loghub = values.loghub ?? resolve(import.meta.dirname, '../../../shared/data/loghub-2k');
const datasets = loghubDatasets(loghub);
const all: string[] = [];
for (const d of datasets) {
  const content = loadLoghub(loghub, d).content;
  measure(`loghub ${d}`, content);
  all.push(...content);
}
if (all.length) measure(`loghub (${datasets.length} systems)`, all);
else process.stdout.write(`no Loghub data in ${loghub} (--loghub DIR)\n`);
measure(
  'eval service logs',
  SERVICES.flatMap((svc) => serviceLog({ r: random, svc, lines: N, t0: 0, noisyTimeouts: 0.01 })),
);
measure(
  'UUIDs',
  gen(() => `request_id=${uuid()} done`),
);
measure(
  'hex digests in URLs',
  gen(() => `GET /blobs/sha256:${bytes(32).toString('hex')} 200`),
);
measure(
  'git commit hashes',
  gen(() => `deployed commit ${bytes(20).toString('hex')}`),
);
measure(
  'base64 image names (.png)',
  gen(() => `GET /static/img/${b64url(30)}.png 200`),
);
measure(
  'base64 names, no extension',
  gen(() => `GET /static/img/${b64url(30)}?w=200 200`),
);
// With a counter glued on (3+ digits), a 56+ character identifier at the end of a line looks like a PEM key body.
measure(
  'CamelCase identifiers + counter',
  gen((i) => `loaded AbstractSingletonProxyFactoryBeanConfigurationLoader${i}`),
);
measure(
  'secrets in URL paths (should change)',
  gen(() => `GET /v1/keys/${b64url(30)}/rotate 200`),
);
const examples = gitleaksExamples();
measure(
  `gitleaks ${examples.version} false positives`,
  examples.rules.flatMap((r) => r.fps.map((f) => asLogLine(f))),
);
measure(
  `gitleaks ${examples.version} true positives (should change)`,
  examples.rules.flatMap((r) => r.tps.map((t) => asLogLine(t.text))),
);
