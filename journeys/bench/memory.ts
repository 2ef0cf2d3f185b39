/**
 * @module journeys/bench/memory — figure 3 of the journeys bench, in a fresh process so nothing else the bench did is
 * counted: 10 journeys at once through the proxy; prints `{ beforeMb, peakMb, passed }` as JSON on stdout.
 * Usage: node journeys/bench/memory.ts <proxy ws url> <token> <base url>
 */
import { parseJourneySpec } from '../parse.ts';
import { runJourneys } from '../runner.ts';
import { SHOP_SPEC_YAML } from '../testing/faultApp.ts';

const [wsEndpoint, token, baseUrl] = process.argv.slice(2);
if (!wsEndpoint || !token || !baseUrl) {
  process.stderr.write('usage: node journeys/bench/memory.ts <proxy ws url> <token> <base url>\n');
  process.exit(3);
}
const spec = parseJourneySpec(SHOP_SPEC_YAML);
const before = process.memoryUsage().rss;
let peak = before;
const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
const report = await runJourneys(spec, {
  browser: { kind: 'proxy', wsEndpoint, token, backends: ['local'] },
  baseUrl,
  repeat: 10,
  concurrency: 10,
});
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const passed = report.backends[0]?.runs.filter((r) => r.status === 'passed').length ?? 0;
process.stdout.write(`${JSON.stringify({ beforeMb: before / 2 ** 20, peakMb: peak / 2 ** 20, passed })}\n`);
