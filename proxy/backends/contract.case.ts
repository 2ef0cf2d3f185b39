/**
 * @module proxy/backends/contract.case — the behaviour every SandboxBackend must show. Each backend's test calls
 * {@link runBackendContract}; a skipped case names its reason. (vitest does not run `*.case.ts` files directly.)
 */
import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { BackendError, type Endpoint, type SandboxBackend } from './types.ts';

/** The names of the contract's cases, for `skip`. */
export const CONTRACT_CASES = [
  'ensure returns a reachable endpoint',
  'ensure is idempotent for one id',
  'different ids get different sandboxes',
  'list reports ensured sandboxes',
  'delete removes the sandbox and is idempotent',
  'ensure after delete creates a fresh sandbox',
  'ensure with an aborted signal rejects Aborted and creates nothing',
  'abort during ensure rejects Aborted and leaves nothing',
  'concurrent ensures for different ids all succeed',
  'touch is reflected in list lastActiveMs',
  'close leaves nothing behind',
] as const;
export type ContractCase = (typeof CONTRACT_CASES)[number];

export interface BackendContractOptions {
  /** Suite title, e.g. `local`. */
  name: string;
  /** A fresh backend for one case (each case closes it). */
  create: () => SandboxBackend | Promise<SandboxBackend>;
  /** Cases this backend cannot run, with the reason. */
  skip?: { reason: string; tests: ContractCase[] }[];
  /** Checks that an endpoint accepts connections; default: a TCP connect to host:port. */
  probe?: (endpoint: Endpoint) => Promise<void>;
  /** Counts what the backend left running or on disk (processes, resources); must be 0 after delete/close. */
  leftovers?: () => Promise<number>;
  /** Per-case timeout (default 60 s). */
  timeoutMs?: number;
  /** How long after `abort()` the backend may take to clean up before leftovers are counted (default 5 s). */
  settleMs?: number;
}

function tcpProbe(ep: Endpoint): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: ep.host, port: ep.httpPort ?? ep.port });
    sock.setTimeout(5000, () => sock.destroy(new Error(`probe of ${ep.host}:${ep.port} timed out`)));
    sock.once('connect', () => {
      sock.end();
      resolve();
    });
    sock.once('error', reject);
  });
}

/** Polls `fn` until it returns 0 or `ms` pass; returns the last value. */
async function settle(fn: () => Promise<number>, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let n = await fn();
  while (n !== 0 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 100));
    n = await fn();
  }
  return n;
}

/** Registers the contract suite for one backend. */
export function runBackendContract(opts: BackendContractOptions): void {
  const skipped = new Map<string, string>();
  for (const s of opts.skip ?? []) for (const t of s.tests) skipped.set(t, s.reason);
  const probe = opts.probe ?? tcpProbe;
  const settleMs = opts.settleMs ?? 5000;
  const open: SandboxBackend[] = [];
  const fresh = async (): Promise<SandboxBackend> => {
    const b = await opts.create();
    open.push(b);
    return b;
  };
  const ids = (() => {
    let n = 0;
    return (): string => `contract-${process.pid % 10_000}-${++n}`;
  })();
  const leftovers = async (b: SandboxBackend): Promise<number> =>
    (await b.list()).length + (opts.leftovers ? await opts.leftovers() : 0);

  const cases: Record<ContractCase, () => Promise<void>> = {
    'ensure returns a reachable endpoint': async () => {
      const b = await fresh();
      const ep = await b.ensure(ids(), AbortSignal.timeout(30_000));
      expect(ep.host).toBeTruthy();
      expect(ep.port).toBeGreaterThan(0);
      expect(ep.wsPath.startsWith('/')).toBe(true);
      await probe(ep);
    },
    'ensure is idempotent for one id': async () => {
      const b = await fresh();
      const id = ids();
      const a = await b.ensure(id, AbortSignal.timeout(30_000));
      const again = await b.ensure(id, AbortSignal.timeout(30_000));
      expect(again).toEqual(a);
      expect((await b.list()).filter((r) => r.id === id)).toHaveLength(1);
    },
    'different ids get different sandboxes': async () => {
      const b = await fresh();
      const [x, y] = [ids(), ids()];
      const ex = await b.ensure(x, AbortSignal.timeout(30_000));
      const ey = await b.ensure(y, AbortSignal.timeout(30_000));
      expect(ey).not.toEqual(ex);
      expect((await b.list()).map((r) => r.id).sort()).toEqual([x, y].sort());
    },
    'list reports ensured sandboxes': async () => {
      const b = await fresh();
      expect(await b.list()).toEqual([]);
      const id = ids();
      await b.ensure(id, AbortSignal.timeout(30_000));
      expect((await b.list()).map((r) => r.id)).toEqual([id]);
    },
    'delete removes the sandbox and is idempotent': async () => {
      const b = await fresh();
      const id = ids();
      const ep = await b.ensure(id, AbortSignal.timeout(30_000));
      await b.delete(id);
      await b.delete(id);
      await b.delete(ids()); // never existed
      expect(await b.list()).toEqual([]);
      await expect(probe(ep)).rejects.toThrow();
      expect(await settle(() => leftovers(b), settleMs)).toBe(0);
    },
    'ensure after delete creates a fresh sandbox': async () => {
      const b = await fresh();
      const id = ids();
      await b.ensure(id, AbortSignal.timeout(30_000));
      await b.delete(id);
      const ep = await b.ensure(id, AbortSignal.timeout(30_000));
      await probe(ep);
      expect((await b.list()).map((r) => r.id)).toEqual([id]);
    },
    'ensure with an aborted signal rejects Aborted and creates nothing': async () => {
      const b = await fresh();
      const err = await b.ensure(ids(), AbortSignal.abort()).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BackendError);
      expect((err as BackendError).reason).toBe('Aborted');
      expect(await settle(() => leftovers(b), settleMs)).toBe(0);
    },
    'abort during ensure rejects Aborted and leaves nothing': async () => {
      const b = await fresh();
      const ac = new AbortController();
      const pending = b.ensure(ids(), ac.signal).catch((e: unknown) => e);
      setTimeout(() => ac.abort(), 20);
      const err = await pending;
      // A backend this fast may finish before the abort; then the sandbox must be deletable like any other.
      if (!(err instanceof BackendError)) {
        for (const r of await b.list()) await b.delete(r.id);
      } else {
        expect(err.reason).toBe('Aborted');
      }
      expect(await settle(() => leftovers(b), settleMs)).toBe(0);
    },
    'concurrent ensures for different ids all succeed': async () => {
      const b = await fresh();
      const many = [ids(), ids(), ids(), ids()];
      const eps = await Promise.all(many.map((id) => b.ensure(id, AbortSignal.timeout(60_000))));
      expect(new Set(eps.map((e) => JSON.stringify(e))).size).toBe(many.length);
      expect((await b.list()).map((r) => r.id).sort()).toEqual([...many].sort());
    },
    'touch is reflected in list lastActiveMs': async () => {
      const b = await fresh();
      if (!b.touch) return;
      const id = ids();
      await b.ensure(id, AbortSignal.timeout(30_000));
      const at = Date.now() + 5000;
      await b.touch(id, at);
      const rec = (await b.list()).find((r) => r.id === id);
      expect(rec?.lastActiveMs).toBeGreaterThanOrEqual(at - 1000);
    },
    'close leaves nothing behind': async () => {
      const b = await fresh();
      await b.ensure(ids(), AbortSignal.timeout(30_000));
      await b.close();
      open.splice(open.indexOf(b), 1);
      if (opts.leftovers) expect(await settle(opts.leftovers, settleMs)).toBe(0);
    },
  };

  describe(`SandboxBackend contract: ${opts.name}`, () => {
    afterAll(async () => {
      await Promise.allSettled(open.map((b) => b.close()));
    });
    for (const name of CONTRACT_CASES) {
      const reason = skipped.get(name);
      if (reason) {
        it.skip(`${name} (skipped: ${reason})`, () => undefined);
        continue;
      }
      it(
        name,
        async () => {
          try {
            await cases[name]();
          } finally {
            const b = open.pop();
            await b?.close();
          }
        },
        opts.timeoutMs ?? 60_000,
      );
    }
  });
}
