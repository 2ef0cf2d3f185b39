/**
 * @module proxy/backends/local/testing/guardProbe — a child process for netGuard.test.ts: installs the socket guard
 * (it patches this process's `net`, so it cannot run inside the test worker), tries each target with the clients a
 * sandbox host has (http.request, fetch, net.connect) and prints one JSON line of outcomes.
 */
import { request } from 'node:http';
import { connect } from 'node:net';
import { installSocketGuard, NetPolicy } from '../netGuard.ts';

interface Probe {
  allow: string[];
  urls: string[];
  paths: string[];
}

const probe = JSON.parse(process.argv[2] ?? '{}') as Probe;
installSocketGuard(new NetPolicy(probe.allow));

const viaHttp = (url: string): Promise<string> =>
  new Promise((resolve) => {
    const req = request(url, (res) => {
      res.resume();
      resolve(`status ${res.statusCode}`);
    });
    req.on('error', (err) => resolve(err.message));
    req.end();
  });

const viaFetch = (url: string): Promise<string> =>
  fetch(url).then(
    (r) => `status ${r.status}`,
    (err: Error) => String((err.cause as Error | undefined)?.message ?? err.message),
  );

const viaPath = (path: string): Promise<string> =>
  new Promise((resolve) => {
    const s = connect(path, () => {
      s.destroy();
      resolve('connected');
    });
    s.on('error', (err) => resolve(err.message));
  });

const out: Record<string, string> = {};
for (const url of probe.urls) {
  out[`http ${url}`] = await viaHttp(url);
  out[`fetch ${url}`] = await viaFetch(url);
}
for (const path of probe.paths) out[`unix ${path}`] = await viaPath(path);
process.stdout.write(`${JSON.stringify(out)}\n`);
