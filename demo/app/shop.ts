/** @module demo/app/shop — the demo web shop: a few HTML pages and a JSON API, one log line per request. */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Book, catalog, DEFAULT_SHIPPING_RATE, type ShopVersion, VERSIONS } from './catalog.ts';
import { cartPage, bookPage, homePage, notFoundPage } from './pages.ts';
import type { ShopLog } from './shopLog.ts';

export interface ShopOptions {
  version: ShopVersion;
  /** Pod name, shown in the page footer and the start-up line. */
  pod: string;
  log: ShopLog;
  /** Share of checkouts whose payment gateway call times out once and is retried (noise on every version). */
  paymentRetryShare?: number;
  random?: () => number;
}

interface Request {
  method: string;
  path: string;
  rid: string;
  thread: string;
  cart: number[];
  body: string;
}

interface Reply {
  status: number;
  type: 'html' | 'json' | 'text';
  body: string;
  headers?: Record<string, string>;
}

/** Thrown by a handler for a client error (400/404); anything else is a 500 with a stack trace in the log. */
class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const MAX_CART_ITEMS = 20;
const MAX_BODY_BYTES = 16 * 1024;
const WORKERS = 8;

/** Parses the `cart` cookie (`4-7-7`: book ids); anything malformed is an empty cart. */
export function parseCart(cookie: string | undefined, books: readonly Book[]): number[] {
  const m = /(?:^|;\s*)cart=([\d-]{1,200})(?:;|$)/.exec(cookie ?? '');
  if (!m?.[1]) return [];
  const ids = m[1].split('-').map(Number);
  return ids.filter((id) => books.some((b) => b.id === id)).slice(0, MAX_CART_ITEMS);
}

/** The shop's request handler. */
export class Shop {
  readonly #o: Required<Omit<ShopOptions, 'log'>> & { log: ShopLog };
  readonly #books: Book[];
  #requests = 0;
  #orders = 0;

  constructor(o: ShopOptions) {
    this.#o = { paymentRetryShare: 0.02, random: Math.random, ...o };
    this.#books = catalog(VERSIONS[o.version]);
  }

  /** Writes the start-up line. */
  started(port: number): void {
    const b = VERSIONS[this.#o.version];
    this.#o.log.write('INFO', {
      thread: 'main',
      logger: 'shop.main',
      message: `shop ${b.release} started on port ${port} (pod ${this.#o.pod}, ${this.#books.length} books)`,
    });
  }

  /** Handles one HTTP request end to end (never throws). */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const url = new URL(req.url ?? '/', 'http://shop');
    if (url.pathname === '/healthz') return void res.end('ok');
    const r: Request = {
      method: req.method ?? 'GET',
      path: url.pathname,
      rid: randomBytes(8).toString('hex'),
      thread: `worker-${(this.#requests++ % WORKERS) + 1}`,
      cart: parseCart(req.headers.cookie, this.#books),
      body: '',
    };
    let reply: Reply;
    try {
      r.body = await readBody(req);
      reply = await this.#route(r);
    } catch (err) {
      reply = this.#failure(r, err);
    }
    const headers = { 'content-type': CONTENT_TYPES[reply.type], 'x-request-id': r.rid, ...reply.headers };
    res.writeHead(reply.status, headers).end(reply.body);
    const ms = Math.round(performance.now() - t0);
    this.#o.log.write(reply.status >= 500 ? 'ERROR' : 'INFO', {
      thread: r.thread,
      logger: 'shop.http',
      message: `${r.method} ${r.path} ${reply.status} ${ms}ms rid=${r.rid}`,
    });
  }

  #failure(r: Request, err: unknown): Reply {
    if (err instanceof HttpError) return this.#error(r, err.status, err.message);
    this.#o.log.write('ERROR', {
      thread: r.thread,
      logger: r.path.includes('checkout') ? 'shop.checkout' : 'shop.http',
      message: `unhandled error on ${r.method} ${r.path} rid=${r.rid}`,
      trace: (err as Error).stack ?? String(err),
    });
    return this.#error(r, 500, 'Internal error');
  }

  #error(r: Request, status: number, message: string): Reply {
    if (r.path.startsWith('/api/'))
      return { status, type: 'json', body: JSON.stringify({ error: message, requestId: r.rid }) };
    return { status, type: 'html', body: notFoundPage(status, message, this.#footer()) };
  }

  #footer(): string {
    return `${this.#o.pod} · shop ${VERSIONS[this.#o.version].release}`;
  }

  /** `METHOD /path` (ids as `:id`) → handler. */
  readonly #routes: Record<string, (r: Request, id: number) => Reply | Promise<Reply>> = {
    'GET /': (r) => ({
      status: 200,
      type: 'html',
      body: homePage(this.#books, r.cart.length, this.#footer()),
    }),
    'GET /book/:id': (r, id) => this.#bookPage(r, id),
    'GET /cart': (r) => ({
      status: 200,
      type: 'html',
      body: cartPage(this.#cartLines(r.cart), this.#footer()),
    }),
    'GET /api/books': () => json(200, this.#books.map(publicBook)),
    'GET /api/books/:id': (_r, id) => json(200, publicBook(this.#book(id))),
    'GET /api/cart': (r) => json(200, { items: this.#cartLines(r.cart) }),
    'POST /api/cart': (r) => this.#addToCart(r),
    'POST /api/checkout': (r) => this.#checkout(r),
  };

  async #route(r: Request): Promise<Reply> {
    const id = /^\/(?:api\/books|book)\/(\d+)$/.exec(r.path)?.[1];
    const handler = this.#routes[`${r.method} ${id ? r.path.replace(/\d+$/, ':id') : r.path}`];
    if (!handler) throw new HttpError(404, `No page at ${r.path}`);
    return handler(r, Number(id));
  }

  #book(id: number): Book {
    const b = this.#books.find((x) => x.id === id);
    if (!b) throw new HttpError(404, `No book ${id}`);
    return b;
  }

  async #bookPage(r: Request, id: number): Promise<Reply> {
    const b = this.#book(id);
    const recs = this.#books.filter((x) => x.id !== id && (x.id + id) % 3 === 0).slice(0, 4);
    const perQuery = VERSIONS[this.#o.version].recommendationQueryMs;
    if (perQuery > 0) {
      // v2: one lookup per recommendation instead of one batched query.
      const t0 = performance.now();
      for (const _ of recs) await sleep(perQuery);
      this.#o.log.write('WARN', {
        thread: r.thread,
        logger: 'shop.db',
        message: `slow query: recommendations for book ${id} took ${Math.round(performance.now() - t0)}ms (${recs.length} queries) rid=${r.rid}`,
      });
    }
    return { status: 200, type: 'html', body: bookPage(b, recs, this.#footer()) };
  }

  #cartLines(cart: readonly number[]): { book: Book; qty: number }[] {
    const lines = new Map<number, { book: Book; qty: number }>();
    for (const id of cart) {
      const line = lines.get(id) ?? { book: this.#book(id), qty: 0 };
      line.qty++;
      lines.set(id, line);
    }
    return [...lines.values()];
  }

  #addToCart(r: Request): Reply {
    let id: unknown;
    try {
      id = (JSON.parse(r.body) as { id?: unknown }).id;
    } catch {
      throw new HttpError(400, 'Body must be JSON: {"id": <book id>}');
    }
    if (typeof id !== 'number') throw new HttpError(400, 'Body must be JSON: {"id": <book id>}');
    this.#book(id);
    if (r.cart.length >= MAX_CART_ITEMS)
      throw new HttpError(400, `A cart holds at most ${MAX_CART_ITEMS} books`);
    const cart = [...r.cart, id];
    return {
      ...json(200, { items: this.#cartLines(cart) }),
      headers: { 'set-cookie': `cart=${cart.join('-')}; Path=/; SameSite=Lax` },
    };
  }

  async #checkout(r: Request): Promise<Reply> {
    if (r.cart.length === 0) throw new HttpError(400, 'The cart is empty');
    const lines = this.#cartLines(r.cart);
    const subtotal = lines.reduce((s, l) => s + l.book.priceCents * l.qty, 0);
    const shipping = lines.reduce((s, l) => s + shippingCost(l.book, l.qty, this.#o.version), 0);
    if (this.#o.random() < this.#o.paymentRetryShare) {
      this.#o.log.write('WARN', {
        thread: r.thread,
        logger: 'shop.payment',
        message: `payment gateway timeout after 2000ms, retrying (attempt 2) rid=${r.rid}`,
      });
    }
    const order = `ORD-${String(++this.#orders).padStart(5, '0')}-${r.rid.slice(0, 4)}`;
    const totalCents = subtotal + shipping;
    this.#o.log.write('INFO', {
      thread: r.thread,
      logger: 'shop.checkout',
      message: `order ${order} placed: ${r.cart.length} items, total ${(totalCents / 100).toFixed(2)} EUR rid=${r.rid}`,
    });
    return {
      ...json(200, { order, totalCents }),
      headers: { 'set-cookie': 'cart=; Path=/; Max-Age=0; SameSite=Lax' },
    };
  }
}

/** Shipping of one cart line. v2 reads the shipping class unguarded: a book without one throws a TypeError. */
function shippingCost(book: Book, qty: number, version: ShopVersion): number {
  const rate = VERSIONS[version].shippingFallback
    ? (book.shipping?.rate ?? DEFAULT_SHIPPING_RATE)
    : (book.shipping as { rate: number }).rate;
  return Math.round(199 * rate * qty);
}

const publicBook = (b: Book): Omit<Book, 'shipping'> => ({
  id: b.id,
  title: b.title,
  author: b.author,
  priceCents: b.priceCents,
});

const CONTENT_TYPES: Record<Reply['type'], string> = {
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  text: 'text/plain; charset=utf-8',
};

function json(status: number, value: unknown): Reply {
  return { status, type: 'json', body: JSON.stringify(value) };
}

async function readBody(req: IncomingMessage): Promise<string> {
  if (req.method === 'GET' || req.method === 'HEAD') return '';
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `Body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
