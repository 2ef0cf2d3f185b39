/** @module demo/app/catalog — the shop's books and what each version of the shop does differently. */

/** A book in the catalog. `shipping` is missing on the books v2's catalog import forgot to migrate. */
export interface Book {
  id: number;
  title: string;
  author: string;
  priceCents: number;
  shipping?: { rate: number } | undefined;
}

/** The versions the shop runs as: v1 healthy, v2 the regression, v3 the fix. */
export const SHOP_VERSIONS = ['v1', 'v2', 'v3'] as const;
export type ShopVersion = (typeof SHOP_VERSIONS)[number];

/** What a version does differently; the only place the regression lives. */
export interface VersionBehaviour {
  /** Semantic version printed in the start-up line. */
  release: string;
  /** Books imported without a shipping class: checkout of a cart holding one throws (v2's bug). */
  unmigratedBooks: (id: number) => boolean;
  /** Checkout reads `book.shipping.rate` without a fallback (v2) or with one (v1, v3). */
  shippingFallback: boolean;
  /** Extra per-recommendation lookups on the book page (v2's N+1 query), each this many ms. */
  recommendationQueryMs: number;
}

export const VERSIONS: Record<ShopVersion, VersionBehaviour> = {
  v1: { release: '1.4.2', unmigratedBooks: () => false, shippingFallback: true, recommendationQueryMs: 0 },
  // The regression: a catalog import dropped the shipping class of every fourth book, checkout dereferences it
  // unguarded (TypeError → 500 on POST /api/checkout), and the book page's recommendations became an N+1 query.
  v2: {
    release: '1.5.0',
    unmigratedBooks: (id) => id % 4 === 0,
    shippingFallback: false,
    recommendationQueryMs: 35,
  },
  // The fix: the same import, but checkout falls back to the default shipping rate and recommendations are one query.
  v3: {
    release: '1.5.1',
    unmigratedBooks: (id) => id % 4 === 0,
    shippingFallback: true,
    recommendationQueryMs: 0,
  },
};

const TITLES: [string, string][] = [
  ['The Pragmatic Canary', 'A. Rollout'],
  ['Logs at Scale', 'B. Template'],
  ['Chromium Internals', 'C. Sandbox'],
  ['Statistics for Operators', 'D. Fisher'],
  ['Progressive Delivery', 'E. Argo'],
  ['The Rollback Handbook', 'F. Revert'],
  ['Observability Patterns', 'G. Trace'],
  ['Release Engineering', 'H. Build'],
  ['Distributed Shopping Carts', 'I. Cookie'],
  ['Incident Reviews', 'J. Blameless'],
  ['Feature Flags in Practice', 'K. Toggle'],
  ['Testing in Production', 'L. Synthetic'],
];

/** The catalog as a version sees it (v2 and v3 lost the shipping class of the unmigrated books). */
export function catalog(behaviour: VersionBehaviour): Book[] {
  return TITLES.map(([title, author], i) => {
    const id = i + 1;
    const book: Book = { id, title, author, priceCents: 1500 + ((id * 731) % 2500) };
    if (!behaviour.unmigratedBooks(id)) book.shipping = { rate: 1 + (id % 3) * 0.5 };
    return book;
  });
}

/** Default shipping rate when a book has no shipping class (the v3 fix). */
export const DEFAULT_SHIPPING_RATE = 1;
