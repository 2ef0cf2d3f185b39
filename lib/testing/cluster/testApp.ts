/**
 * @module lib/testing/cluster/testApp — the process that plays a container of the test images
 * (`sentinel.test/app:<version>`) on the simulated node: an HTTP server on the pod's own address. `/healthz` answers
 * 200 `{"healthy":true,"version":…}`, or 503 when the version's tag says `broken` (`/readyz` is always 200); every request is logged to stdout
 * (the pod's log, read back through the API server's `pods/log`).
 */
import { createServer } from 'node:http';

const env = process.env;
const version = env.APP_VERSION ?? 'v0';
const broken = /broken/.test(version);
const host = env.POD_IP ?? '127.0.0.1';
const port = Number(env.PORT ?? '8080');

const log = (line: string) => process.stdout.write(`${line}\n`);

const server = createServer((req, res) => {
  const healthy = !broken;
  // /readyz (the readinessProbe) is fine even when broken: a bad canary becomes Ready and only analysis catches it.
  const status = req.url === '/readyz' ? 200 : req.url === '/healthz' ? (healthy ? 200 : 503) : 404;
  log(
    `${new Date().toISOString()} ${status >= 500 ? 'ERROR' : 'INFO'} ${req.method} ${req.url} ${status} version=${version}`,
  );
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ healthy, version }));
});
server.listen(port, host, () =>
  log(`${new Date().toISOString()} INFO listening on ${host}:${port} version=${version}`),
);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
