/**
 * @module analysis/templates/drain — an online, incremental Drain-style template miner.
 *
 * Method (He et al., "Drain: An Online Log Parsing Approach with Fixed Depth Tree", ICWS 2017): mask variables, then
 * route each message through a fixed-depth tree keyed by token count and its first `depth - 2` tokens (a token with a
 * digit or a wildcard routes to `<*>`), compare it with the clusters in that leaf by the fraction of the template's
 * constant tokens it repeats, join the best one above the similarity threshold and turn the differing tokens into
 * `<*>`, or start a new cluster. Memory is bounded by the number of clusters, not lines: each cluster keeps its
 * template, a count and at most a few sample messages; past `maxClusters`, new messages join their nearest cluster
 * (or one overflow cluster per token count) instead of creating more. Time per line is bounded too: a cache of
 * masked messages skips the tree for repeats, and at most `maxLeafClusters` clusters are compared per leaf.
 */
import { WILDCARD, hasDigit, mask, tokenize } from './mask.ts';

/** One configuration for every input (no per-dataset tuning). */
export interface DrainOptions {
  /** Tree depth, counting the root and the leaf (Drain default 4). */
  depth?: number;
  /** Minimum similarity to join a cluster, in [0, 1]. */
  similarity?: number;
  /** Maximum children of an inner node before new tokens route to `<*>`. */
  maxChildren?: number;
  /** Maximum clusters kept; bounds memory. */
  maxClusters?: number;
  /** Sample messages kept per cluster (the first ones seen). */
  samplesPerCluster?: number;
  /** Clusters compared per leaf; past it, new messages join the leaf's best match (bounds time per line). */
  maxLeafClusters?: number;
}

/** The configuration used everywhere (the CLI, the judge and the Loghub measurement). */
export const DEFAULT_DRAIN_OPTIONS: Required<DrainOptions> = {
  depth: 4,
  similarity: 0.6,
  maxChildren: 100,
  maxClusters: 5_000,
  samplesPerCluster: 3,
  maxLeafClusters: 128,
};

/**
 * Masked messages remembered with their cluster, so repeated messages skip the tree. A full cache takes no more
 * entries (emptying it whenever full would make every entry live long enough to reach V8's old generation, and a log
 * of ever new messages then grows the heap by garbage: 40 MB per 300k lines, measured) until a review finds it stale.
 */
export const CACHE_SIZE = 20_000;
/** Lookups between two reviews of a full cache. */
export const CACHE_REVIEW_LOOKUPS = 100_000;
/** A full cache answering fewer of the lookups since the last review than this is emptied (the mix of messages changed). */
const CACHE_MIN_HIT_RATE = 0.1;

/** A group of messages sharing one template. */
export interface Cluster {
  /** Stable id, `T` + creation number in base 36 (e.g. `T1a`). */
  id: string;
  /** Template tokens; `<*>` marks variables. */
  tokens: string[];
  count: number;
  samples: string[];
}

interface TreeNode {
  children: Map<string, TreeNode>;
  clusters: Cluster[];
}

function newNode(): TreeNode {
  return { children: new Map(), clusters: [] };
}

/**
 * Tokens that mix letters with digits or a wildcard (`attempt_<*>_m_<*>`, `x7`, `blk_-42`) are variables Drain's
 * masks miss: two such tokens at one position count as similar (as Brain and LogBatcher treat them), so templates
 * that differ only there merge.
 */
function variableLike(token: string): boolean {
  return token.includes(WILDCARD) || hasDigit(token);
}

/** True when a template token with a wildcard inside (`rid=<*>`) matches a token (`rid=dkwqnf`) around it. */
function wildcardMatch(template: string, token: string): boolean {
  const at = template.indexOf(WILDCARD);
  if (at < 0) return false;
  const head = template.slice(0, at);
  const tail = template.slice(template.lastIndexOf(WILDCARD) + WILDCARD.length);
  return (
    token.length >= head.length + tail.length &&
    token.startsWith(head) &&
    token.endsWith(tail) &&
    head + tail !== ''
  );
}

/**
 * Similarity of a message to a template: the fraction of the template's constant (non-wildcard) tokens the message
 * repeats at the same position, and that number of exact matches (the tie-breaker). An all-wildcard template scores 1.
 */
function similarity(template: readonly string[], tokens: readonly string[]): { sim: number; exact: number } {
  let same = 0;
  let exact = 0;
  let wild = 0;
  for (let i = 0; i < template.length; i++) {
    const t = template[i];
    if (t === WILDCARD) {
      wild++;
      continue;
    }
    const tok = tokens[i];
    if (t === tok) {
      same++;
      exact++;
    } else if (
      t !== undefined &&
      tok !== undefined &&
      ((variableLike(t) && variableLike(tok)) || wildcardMatch(t, tok))
    )
      same++;
  }
  return { sim: template.length === wild ? 1 : same / (template.length - wild), exact };
}

/** An online template miner. Not safe for concurrent use from several async tasks mutating one instance (it is sync). */
export class TemplateMiner {
  readonly #opts: Required<DrainOptions>;
  readonly #root = new Map<number, TreeNode>();
  readonly #clusters: Cluster[] = [];
  readonly #overflow = new Map<number, Cluster>();
  readonly #cache = new Map<string, Cluster>();
  #lookups = 0;
  #hits = 0;

  constructor(opts: DrainOptions = {}) {
    this.#opts = { ...DEFAULT_DRAIN_OPTIONS, ...opts };
  }

  /** Masked messages in the cache (for tests and diagnostics). */
  get cached(): number {
    return this.#cache.size;
  }

  /** All clusters, in creation order. */
  get clusters(): readonly Cluster[] {
    return this.#clusters;
  }

  /** Adds one message and returns the cluster it joined (its template may have just been generalized). */
  add(message: string): Cluster {
    const masked = mask(message);
    const cached = this.#lookup(masked);
    if (cached) {
      // These very tokens were merged into the cluster when it was remembered, and merging only ever turns template
      // tokens into wildcards: merging them again would change nothing but the count and the samples.
      this.#count(cached, message);
      return cached;
    }
    const tokens = tokenize(masked);
    const leaf = this.#leaf(tokens);
    const { best, sim } = this.#best(leaf.clusters, tokens);
    const leafFull = leaf.clusters.length >= this.#opts.maxLeafClusters;
    if (best && (sim >= this.#opts.similarity || this.#full() || leafFull)) {
      this.#merge(best, tokens, message);
      this.#remember(masked, best);
      return best;
    }
    if (this.#full()) return this.#overflowFor(tokens, message);
    const cluster: Cluster = {
      id: `T${(this.#clusters.length + 1).toString(36)}`,
      tokens,
      count: 0,
      samples: [],
    };
    this.#clusters.push(cluster);
    leaf.clusters.push(cluster);
    this.#merge(cluster, tokens, message);
    this.#remember(masked, cluster);
    return cluster;
  }

  #remember(masked: string, cluster: Cluster): void {
    if (this.#cache.size < CACHE_SIZE) this.#cache.set(masked, cluster);
  }

  #lookup(masked: string): Cluster | undefined {
    const hit = this.#cache.get(masked);
    if (this.#cache.size < CACHE_SIZE) return hit;
    if (hit) this.#hits++;
    if (++this.#lookups >= CACHE_REVIEW_LOOKUPS) {
      if (this.#hits < CACHE_MIN_HIT_RATE * this.#lookups) this.#cache.clear();
      this.#lookups = 0;
      this.#hits = 0;
    }
    return hit;
  }

  /** Finds the cluster `message` would join without changing anything; undefined if none is similar enough. */
  match(message: string): Cluster | undefined {
    const tokens = tokenize(mask(message));
    const leaf = this.#leaf(tokens, false);
    if (!leaf) return undefined;
    const { best, sim } = this.#best(leaf.clusters, tokens);
    return best && sim >= this.#opts.similarity ? best : undefined;
  }

  #full(): boolean {
    return this.#clusters.length >= this.#opts.maxClusters;
  }

  #overflowFor(tokens: string[], message: string): Cluster {
    let c = this.#overflow.get(tokens.length);
    if (!c) {
      c = { id: `O${tokens.length}`, tokens: tokens.map(() => WILDCARD), count: 0, samples: [] };
      this.#overflow.set(tokens.length, c);
      this.#clusters.push(c);
    }
    this.#merge(c, tokens, message);
    return c;
  }

  #count(cluster: Cluster, message: string): void {
    cluster.count++;
    if (cluster.samples.length < this.#opts.samplesPerCluster) cluster.samples.push(message.slice(0, 2_000));
  }

  #merge(cluster: Cluster, tokens: readonly string[], message: string): void {
    this.#count(cluster, message);
    const t = cluster.tokens;
    for (let i = 0; i < t.length; i++) if (t[i] !== tokens[i]) t[i] = WILDCARD;
  }

  #best(clusters: readonly Cluster[], tokens: readonly string[]): { best: Cluster | undefined; sim: number } {
    let best: Cluster | undefined;
    let bestSim = -1;
    let bestExact = -1;
    for (const c of clusters) {
      const { sim, exact } = similarity(c.tokens, tokens);
      if (sim > bestSim || (sim === bestSim && exact > bestExact)) {
        best = c;
        bestSim = sim;
        bestExact = exact;
      }
    }
    return { best, sim: bestSim };
  }

  #leaf(tokens: readonly string[], create?: true): TreeNode;
  #leaf(tokens: readonly string[], create: false): TreeNode | undefined;
  #leaf(tokens: readonly string[], create = true): TreeNode | undefined {
    let node = this.#root.get(tokens.length);
    if (!node) {
      if (!create) return undefined;
      node = newNode();
      this.#root.set(tokens.length, node);
    }
    const levels = Math.min(this.#opts.depth - 2, tokens.length);
    for (let i = 0; i < levels; i++) {
      const next = this.#child(node, tokens[i] as string, create);
      if (!next) return undefined;
      node = next;
    }
    return node;
  }

  #child(node: TreeNode, token: string, create: boolean): TreeNode | undefined {
    // A token holding a variable (`blk_<*>`, `host-<*>.example.com`) routes like one.
    const key = token.includes(WILDCARD) || hasDigit(token) ? WILDCARD : token;
    const hit = node.children.get(key);
    if (hit || !create) return hit ?? node.children.get(WILDCARD);
    const routeKey = key !== WILDCARD && node.children.size >= this.#opts.maxChildren ? WILDCARD : key;
    let child = node.children.get(routeKey);
    if (!child) {
      child = newNode();
      node.children.set(routeKey, child);
    }
    return child;
  }
}

/** The template of a cluster as text. */
export function templateText(cluster: Cluster): string {
  return cluster.tokens.join(' ');
}
