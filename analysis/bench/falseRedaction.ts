/**
 * @module analysis/bench/falseRedaction — `npm run bench:false-redaction`: how often redaction changes ordinary log
 * lines that hold no secret. Corpora: the loghub 2k samples (16 real systems' logs, when ../shared/data/loghub-2k is
 * present), the eval generator's service logs, and generated lines of the kinds that look random but are not secret:
 * UUIDs, hex digests in URLs, base64 image names. Emails are personal data and redacted on purpose: they are counted
 * apart. Figures, not assertions.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { rng, serviceLog, SERVICES } from '../eval/generate.ts';
import { loadLoghub, loghubDatasets } from '../eval/loghub.ts';
import { redactWithReport } from '../redact/redact.ts';

const N = 2000;
const gen = (f: (i: number) => string): string[] => Array.from({ length: N }, (_, i) => f(i));
const b64url = (n: number): string => randomBytes(n).toString('base64url');

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

const loghub = process.argv[2] ?? resolve(import.meta.dirname, '../../../shared/data/loghub-2k');
const datasets = loghubDatasets(loghub);
const all: string[] = [];
for (const d of datasets) all.push(...loadLoghub(loghub, d).content);
if (all.length) measure(`loghub (${datasets.length} systems)`, all);
const r = rng(7);
measure(
  'eval service logs',
  SERVICES.flatMap((svc) => serviceLog({ r, svc, lines: N, t0: 0, noisyTimeouts: 0.01 })),
);
measure(
  'UUIDs',
  gen(() => `request_id=${crypto.randomUUID()} done`),
);
measure(
  'hex digests in URLs',
  gen(() => `GET /blobs/sha256:${randomBytes(32).toString('hex')} 200`),
);
measure(
  'git commit hashes',
  gen(() => `deployed commit ${randomBytes(20).toString('hex')}`),
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
