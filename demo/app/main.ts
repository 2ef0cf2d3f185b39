/**
 * @module demo/app/main — one shop "pod": `node demo/app/main.ts --version v2 --pod shop-7b9d6c4f8d-x2k4p
 * --log-file DIR/shop-7b9d6c4f8d-x2k4p.log [--port 0]`. Prints `listening http://127.0.0.1:PORT` on stdout once
 * it accepts connections; stops on SIGTERM/SIGINT or when its parent's IPC channel closes.
 */
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { SHOP_VERSIONS, type ShopVersion } from './catalog.ts';
import { Shop } from './shop.ts';
import { ShopLog } from './shopLog.ts';

function fail(message: string): never {
  console.error(`shop: ${message}`);
  process.exit(3);
}

const { values } = parseArgs({
  options: {
    version: { type: 'string' },
    pod: { type: 'string' },
    'log-file': { type: 'string' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
  },
});
const version = values.version as ShopVersion;
if (!SHOP_VERSIONS.includes(version))
  fail(`--version must be one of ${SHOP_VERSIONS.join(', ')}, got "${values.version ?? ''}".`);
if (!values.pod || !values['log-file']) fail('--pod NAME and --log-file PATH are required.');
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be 0..65535, got "${values.port}".`);

const log = new ShopLog(values['log-file']);
const shop = new Shop({ version, pod: values.pod, log });
const server = createServer((req, res) => void shop.handle(req, res));
server.keepAliveTimeout = 5_000;
server.on('error', (err: NodeJS.ErrnoException) =>
  fail(`cannot listen on ${values.host}:${port}: ${err.code ?? err.message}`),
);
server.listen(port, values.host, () => {
  const addr = server.address();
  const actual = typeof addr === 'object' && addr ? addr.port : port;
  shop.started(actual);
  process.stdout.write(`listening http://${values.host}:${actual}\n`);
});

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections();
  server.close();
  await log.close();
  process.exit(0);
}
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
// Started by the demo with an IPC channel: when the demo dies, so does the pod.
process.once('disconnect', () => void stop());
