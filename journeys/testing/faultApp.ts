/**
 * @module journeys/testing/faultApp — a small shop served on loopback, healthy or with deliberate faults, for the
 * journey tests and the bench (the demo's shop can grow from it).
 *
 * Faults: `throwingButton` (the Add-to-cart handler throws for a fraction of users), `slowStep` (the cart call answers
 * `slowMs` late), `consoleError` (a console.error on load), `xhr500` (the price XHR answers 500), `missingElement` (the
 * promo banner is gone). Routes for runner faults: `/never` (a document that never finishes loading) and `/hang` (calls
 * `onHang`, then never answers — a test can kill the browser at that moment).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { seededRandom } from '../../lib/random.ts';
import type { AddressInfo } from 'node:net';

export const FAULTS = ['throwingButton', 'slowStep', 'consoleError', 'xhr500', 'missingElement'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FaultAppOptions {
  /** Faults to switch on (none: the healthy variant). */
  faults?: readonly Fault[];
  /** Share of users (page loads) whose Add-to-cart throws, with `throwingButton` (default 0.5). */
  throwFraction?: number;
  /** Extra delay of the cart call with `slowStep` (default 500 ms). */
  slowMs?: number;
  /** Seed of the "which users are unlucky" draw, so a test replays (default 1). */
  seed?: number;
  /** Called when `/hang` is requested. */
  onHang?: () => void;
}

export interface FaultApp {
  url: string;
  /** Page loads of `/` served so far. */
  readonly pageLoads: number;
  close(): Promise<void>;
}

function page(o: { promo: boolean; consoleError: boolean; unlucky: boolean }): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Fault shop</title>
<style>body{font:16px sans-serif;margin:2em} .promo{background:#fe0;padding:.5em}</style></head>
<body>
<h1>Fault shop</h1>
${o.promo ? '<div class="promo" data-testid="promo">Free shipping today</div>' : ''}
<p>Price: <span id="price">…</span></p>
<label>Quantity <input id="qty" name="qty" value="1"></label>
<button id="add" type="button">Add to cart</button>
<p data-testid="cart">0 items</p>
<script>
  const unlucky = ${o.unlucky ? 'true' : 'false'};
  ${o.consoleError ? "console.error('price widget failed to render: template missing');" : ''}
  fetch('/api/price').then((r) => r.ok ? r.json() : Promise.reject(new Error('price ' + r.status)))
    .then((p) => { document.getElementById('price').textContent = p.price; })
    .catch(() => { document.getElementById('price').textContent = 'unavailable'; });
  document.getElementById('add').addEventListener('click', () => {
    if (unlucky) { const cart = undefined; cart.items.push(1); }
    fetch('/api/cart', { method: 'POST' }).then((r) => r.json()).then((c) => {
      document.querySelector('[data-testid=cart]').textContent = c.items + (c.items === 1 ? ' item' : ' items');
    });
  });
</script>
</body></html>`;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** Starts the shop on 127.0.0.1 (a free port). */
export async function startFaultApp(opts: FaultAppOptions = {}): Promise<FaultApp> {
  const faults = new Set(opts.faults ?? []);
  const random = seededRandom(opts.seed ?? 1);
  const throwFraction = opts.throwFraction ?? 0.5;
  const slowMs = opts.slowMs ?? 500;
  let pageLoads = 0;
  const hanging = new Set<ServerResponse>();
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/') {
      pageLoads++;
      const unlucky = faults.has('throwingButton') && random() < throwFraction;
      return send(
        res,
        200,
        'text/html; charset=utf-8',
        page({ promo: !faults.has('missingElement'), consoleError: faults.has('consoleError'), unlucky }),
      );
    }
    if (path === '/api/price') {
      return faults.has('xhr500')
        ? send(res, 500, 'application/json', '{"error":"pricing backend timeout"}')
        : send(res, 200, 'application/json', '{"price":"€12.50"}');
    }
    if (path === '/api/cart' && req.method === 'POST') {
      const reply = (): void => send(res, 200, 'application/json', '{"items":1}');
      if (faults.has('slowStep')) setTimeout(reply, slowMs);
      else reply();
      return;
    }
    if (path === '/never') {
      // Headers and the start of a document, then nothing: the load event never fires.
      res.writeHead(200, { 'content-type': 'text/html' });
      res.write('<!doctype html><title>never</title><p>loading');
      hanging.add(res);
      return;
    }
    if (path === '/hang') {
      hanging.add(res);
      opts.onHang?.();
      return;
    }
    if (path === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    send(res, 404, 'text/plain', 'not found');
  };
  const server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get pageLoads() {
      return pageLoads;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** The 5-step journey the tests and the bench run on the shop: it meets every fault. */
export const SHOP_SPEC_YAML = `
journeys:
  - name: add to cart
    stepTimeoutMs: 3000
    steps:
      - { action: goto, url: / }
      - { action: expect, locator: { testId: promo }, state: visible }
      - { action: click, locator: { role: button, name: Add to cart } }
      - { action: expect, locator: { testId: cart }, text: 1 item }
      - { action: expect, request: /api/cart, status: 200 }
`;
