/**
 * @module analysis/redact/keywordScan — one pass over a text that finds the redaction keywords in it (an Aho–Corasick
 * automaton over lower-cased ASCII: one table step per character, whatever the number of keywords) and the runs of
 * token characters long enough for the entropy rule. Both decide which rules run; most log lines have neither and
 * cost this one pass.
 */

/** Answers of {@link KeywordScanner.scanKey}. */
export interface KeyScan {
  /**
   * The keywords {@link ScanResult} lists, as their indices in the scanner's list, distinct, in the order they were first
   * found, joined by `,`; undefined when none.
   */
  key: string | undefined;
  runs: Array<[number, number]>;
}

/** Answers of {@link KeywordScanner.scan}. */
export interface ScanResult {
  /** The longest keyword starting at each position where one starts (lower case); undefined when none. */
  keywords: Set<string> | undefined;
  /** [start, end) of every run of token characters of at least the scanner's minimum length. */
  runs: Array<[number, number]>;
}

export class KeywordScanner {
  readonly #delta: Int32Array;
  /** Per state: indices of the keywords that end here (its own and its suffixes'), longest first. */
  readonly #out: Array<readonly number[]>;
  /** 1 for the states where a keyword ends (most have none; this check is cheaper than the array). */
  readonly #ends: Uint8Array;
  readonly #keywords: readonly string[];
  /** Length of each keyword, and the longest. */
  readonly #lengths: Int32Array;
  readonly #longest: number;
  /** The hits of the scan in progress (reused: a scan is synchronous). */
  #hitStarts = new Int32Array(16);
  #hitWords = new Int32Array(16);
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
    this.#lengths = Int32Array.from(words, (k) => k.length);
    this.#longest = Math.max(0, ...words.map((k) => k.length));
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
    // Upper-case letters step as their lower-case ones: the scan then needs no case-folding lookup per character.
    for (let st = 0; st < states; st++)
      for (let c = 65; c <= 90; c++) delta[st * 128 + c] = delta[st * 128 + c + 32] as number;
    this.#delta = delta;
    this.#out = out;
    this.#ends = Uint8Array.from(out, (o) => (o.length > 0 ? 1 : 0));
  }

  /**
   * Scans `text`. Keywords match ASCII letters of either case; a non-ASCII character matches no keyword character (as
   * in a case-insensitive, non-unicode regex, where the Kelvin sign or `İ` never equal `k` or `i`).
   */
  scan(text: string): ScanResult {
    const { key, runs } = this.scanKey(text);
    return { keywords: key === undefined ? undefined : new Set(this.keywordsOf(key)), runs };
  }

  /** The keywords a {@link KeyScan}'s key stands for, in its order. */
  keywordsOf(key: string): string[] {
    return key.split(',').map((k) => this.#keywords[Number(k)] as string);
  }

  /**
   * {@link scan} with the keywords as a {@link KeyScan} key: one string to look a memo up by, instead of a set built
   * per text (most log lines repeat the same few keyword combinations).
   */
  scanKey(text: string): KeyScan {
    const delta = this.#delta;
    const out = this.#out;
    const endsHere = this.#ends;
    const lengths = this.#lengths;
    const tokenChar = this.#tokenChar;
    const minRun = this.#minRun;
    let state = 0;
    let runStart = -1;
    const runs: Array<[number, number]> = [];
    // Hits as (start, keyword) in the order their start was first found; a longer keyword at a start replaces it.
    let hits = 0;
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
      state = delta[state * 128 + c] as number;
      if (endsHere[state] === 0) continue;
      for (const k of out[state] as readonly number[])
        hits = this.#hit(hits, i - (lengths[k] as number) + 1, k);
    }
    if (runStart >= 0 && n - runStart >= minRun) runs.push([runStart, n]);
    return { key: hits === 0 ? undefined : this.#key(hits), runs };
  }

  /** Records keyword `k` found at `start`; returns the new number of hits. */
  #hit(hits: number, start: number, k: number): number {
    const starts = this.#hitStarts;
    const words = this.#hitWords;
    const lengths = this.#lengths;
    // A hit at the same start was found at most `longest` characters ago: look back only that far.
    for (let j = hits - 1; j >= 0 && (starts[j] as number) + this.#longest > start; j--) {
      if (starts[j] !== start) continue;
      if ((lengths[words[j] as number] as number) < (lengths[k] as number)) words[j] = k;
      return hits;
    }
    if (hits === starts.length) {
      this.#hitStarts = Int32Array.from({ length: 2 * hits }, (_, j) => starts[j] ?? 0);
      this.#hitWords = Int32Array.from({ length: 2 * hits }, (_, j) => words[j] ?? 0);
    }
    (this.#hitStarts as Int32Array)[hits] = start;
    (this.#hitWords as Int32Array)[hits] = k;
    return hits + 1;
  }

  /** The distinct keywords of the first `hits` hits, in order, as a key. */
  #key(hits: number): string {
    const words = this.#hitWords;
    let key = String(words[0]);
    outer: for (let j = 1; j < hits; j++) {
      for (let m = 0; m < j; m++) if (words[m] === words[j]) continue outer;
      key += `,${words[j] as number}`;
    }
    return key;
  }
}
