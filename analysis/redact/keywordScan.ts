/**
 * @module analysis/redact/keywordScan — one pass over a text that finds the redaction keywords in it (an Aho–Corasick
 * automaton over lower-cased ASCII: one table step per character, whatever the number of keywords) and the runs of
 * token characters long enough for the entropy rule. Both decide which rules run; most log lines have neither and
 * cost this one pass.
 */

/** Answers of {@link KeywordScanner.scan}. */
export interface ScanResult {
  /** The longest keyword starting at each position where one starts (lower case); undefined when none. */
  keywords: Set<string> | undefined;
  /** [start, end) of every run of token characters of at least the scanner's minimum length. */
  runs: Array<[number, number]>;
}

/** ASCII lower-casing as a table. */
const LOWER = new Uint8Array(128);
for (let c = 0; c < 128; c++) LOWER[c] = c >= 65 && c <= 90 ? c + 32 : c;

export class KeywordScanner {
  readonly #delta: Int32Array;
  /** Per state: indices of the keywords that end here (its own and its suffixes'), longest first. */
  readonly #out: Array<readonly number[]>;
  /** 1 for the states where a keyword ends (most have none; this check is cheaper than the array). */
  readonly #ends: Uint8Array;
  readonly #keywords: readonly string[];
  readonly #tokenChar: Uint8Array;
  readonly #minRun: number;

  /**
   * @param keywords lower-case ASCII keywords (throws otherwise: the automaton's alphabet is ASCII).
   * @param tokenChar 1 for the ASCII characters that make up a run.
   * @param minRun shortest run reported.
   */
  constructor(keywords: readonly string[], tokenChar: Uint8Array, minRun: number) {
    const words = [...new Set(keywords)];
    for (const k of words)
      if (k === '' || k !== k.toLowerCase() || [...k].some((ch) => ch.charCodeAt(0) >= 128))
        throw new Error(`keyword ${JSON.stringify(k)}: keywords must be non-empty lower-case ASCII`);
    this.#keywords = words;
    this.#tokenChar = tokenChar;
    this.#minRun = minRun;
    const size = words.reduce((n, k) => n + k.length, 1);
    const go = new Int32Array(size * 128).fill(-1);
    const own: number[][] = [[]];
    let states = 1;
    words.forEach((k, idx) => {
      let s = 0;
      for (let i = 0; i < k.length; i++) {
        const c = k.charCodeAt(i);
        let next = go[s * 128 + c] as number;
        if (next < 0) {
          next = states++;
          go[s * 128 + c] = next;
          own.push([]);
        }
        s = next;
      }
      (own[s] as number[]).push(idx);
    });
    // Breadth-first: failure links, then the full transition table (a DFA) and the merged outputs.
    const fail = new Int32Array(states);
    const delta = new Int32Array(states * 128);
    const out: number[][] = own.map((o) => [...o]);
    const queue: number[] = [];
    for (let c = 0; c < 128; c++) {
      const t = go[c] as number;
      if (t > 0) {
        fail[t] = 0;
        delta[c] = t;
        queue.push(t);
      } else delta[c] = 0;
    }
    for (let q = 0; q < queue.length; q++) {
      const s = queue[q] as number;
      out[s] = [...(out[s] as number[]), ...(out[fail[s] as number] as number[])];
      for (let c = 0; c < 128; c++) {
        const t = go[s * 128 + c] as number;
        if (t > 0) {
          fail[t] = delta[(fail[s] as number) * 128 + c] as number;
          delta[s * 128 + c] = t;
          queue.push(t);
        } else delta[s * 128 + c] = delta[(fail[s] as number) * 128 + c] as number;
      }
    }
    for (const o of out) o.sort((a, b) => (words[b] as string).length - (words[a] as string).length);
    this.#delta = delta;
    this.#out = out;
    this.#ends = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  }

  /**
   * Scans `text`. Keywords match ASCII letters of either case; a non-ASCII character matches no keyword character (as
   * in a case-insensitive, non-unicode regex, where the Kelvin sign or `İ` never equal `k` or `i`).
   */
  scan(text: string): ScanResult {
    const delta = this.#delta;
    const out = this.#out;
    const endsHere = this.#ends;
    const words = this.#keywords;
    const tokenChar = this.#tokenChar;
    const minRun = this.#minRun;
    let state = 0;
    let runStart = -1;
    const runs: Array<[number, number]> = [];
    /** start → index of the longest keyword found starting there. */
    let best: Map<number, number> | undefined;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= 128) {
        state = 0;
        if (runStart >= 0) {
          if (i - runStart >= minRun) runs.push([runStart, i]);
          runStart = -1;
        }
        continue;
      }
      if (tokenChar[c] === 1) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        if (i - runStart >= minRun) runs.push([runStart, i]);
        runStart = -1;
      }
      state = delta[state * 128 + (LOWER[c] as number)] as number;
      if (endsHere[state] === 0) continue;
      for (const k of out[state] as readonly number[]) {
        const start = i - (words[k] as string).length + 1;
        best ??= new Map();
        const had = best.get(start);
        if (had === undefined || (words[had] as string).length < (words[k] as string).length)
          best.set(start, k);
      }
    }
    if (runStart >= 0 && n - runStart >= minRun) runs.push([runStart, n]);
    let keywords: Set<string> | undefined;
    if (best) {
      keywords = new Set();
      for (const k of best.values()) keywords.add(this.#keywords[k] as string);
    }
    return { keywords, runs };
  }
}
