/** @module demo/app/pages — the shop's HTML pages (server-rendered, a few lines of inline script, no assets). */
import type { Book } from './catalog.ts';

const esc = (s: string): string =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

const eur = (cents: number): string => `${(cents / 100).toFixed(2)} €`;

const STYLE = `body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7fb}
header{background:#1f3a5f;color:#fff;padding:12px 20px;display:flex;justify-content:space-between}
header a{color:#fff;text-decoration:none}main{max-width:760px;margin:20px auto;padding:0 16px}
ul.books{list-style:none;padding:0}ul.books li{background:#fff;margin:8px 0;padding:10px 14px;border-radius:6px}
button{background:#1f6feb;color:#fff;border:0;border-radius:6px;padding:8px 16px;font-size:15px;cursor:pointer}
#status{margin-top:14px;font-weight:600}footer{color:#778;font-size:12px;text-align:center;margin:30px}`;

function layout(title: string, body: string, footer: string, cartCount?: number): string {
  const cart = cartCount === undefined ? 'Cart' : `Cart (${cartCount})`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)} · Canary Books</title><style>${STYLE}</style></head><body><header><a href="/">Canary Books</a><a href="/cart" data-testid="cart-link">${cart}</a></header><main><h1>${esc(title)}</h1>${body}</main><footer>${esc(footer)}</footer></body></html>`;
}

/** The catalog. */
export function homePage(books: readonly Book[], cartCount: number, footer: string): string {
  const items = books
    .map(
      (b) =>
        `<li><a href="/book/${b.id}" data-testid="book-${b.id}">${esc(b.title)}</a> — ${esc(b.author)}, ${eur(b.priceCents)}</li>`,
    )
    .join('');
  return layout('Books', `<ul class="books">${items}</ul>`, footer, cartCount);
}

/** One book, its recommendations and an add-to-cart button. */
export function bookPage(book: Book, recs: readonly Book[], footer: string): string {
  const recList = recs.map((r) => `<li><a href="/book/${r.id}">${esc(r.title)}</a></li>`).join('');
  const body = `<p>by ${esc(book.author)}</p><p data-testid="price">${eur(book.priceCents)}</p>
<button id="add" data-testid="add-to-cart">Add to cart</button><p id="status" role="status"></p>
<h2>Readers also bought</h2><ul class="books">${recList}</ul>
<script>document.getElementById('add').onclick=async()=>{const r=await fetch('/api/cart',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({id:${book.id}})});
document.getElementById('status').textContent=r.ok?'Added to cart':'Could not add to cart (HTTP '+r.status+')';if(r.ok)location.href='/cart';};</script>`;
  return layout(book.title, body, footer);
}

/** The cart with a checkout button (POST /api/checkout). */
export function cartPage(lines: readonly { book: Book; qty: number }[], footer: string): string {
  if (lines.length === 0)
    return layout('Your cart', '<p data-testid="empty-cart">Your cart is empty.</p>', footer, 0);
  const rows = lines
    .map((l) => `<li>${l.qty} × ${esc(l.book.title)} — ${eur(l.book.priceCents * l.qty)}</li>`)
    .join('');
  const body = `<ul class="books" data-testid="cart-items">${rows}</ul><button id="checkout" data-testid="checkout">Checkout</button><p id="status" role="status" data-testid="order-status"></p>
<script>document.getElementById('checkout').onclick=async()=>{const s=document.getElementById('status');s.textContent='Placing order…';
const r=await fetch('/api/checkout',{method:'POST'});const j=await r.json().catch(()=>({}));
s.textContent=r.ok?'Order '+j.order+' confirmed':'Checkout failed (HTTP '+r.status+'), please try again';s.dataset.settled='';};</script>`;
  return layout(
    'Your cart',
    body,
    footer,
    lines.reduce((n, l) => n + l.qty, 0),
  );
}

/** Error page (404, 500). */
export function notFoundPage(status: number, message: string, footer: string): string {
  return layout(
    status === 404 ? 'Not found' : 'Something went wrong',
    `<p>${esc(message)} (HTTP ${status})</p>`,
    footer,
  );
}
