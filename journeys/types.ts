/**
 * @module journeys/types — the runner's contract: how it reaches a browser, what it is asked to do, and what it reports.
 * Stable public API (see journeys/README.md); add optional fields only.
 */
import type { Logger } from 'pino';
import type { StepAction } from './spec.ts';

/** How the runner reaches Chromium. */
export type BrowserSource =
  | {
      /** Through the sandbox proxy: one tenant (sandbox) per run and backend. */
      kind: 'proxy';
      /** The proxy's data endpoint, e.g. `ws://sentinel-proxy:9000`. */
      wsEndpoint: string;
      /**
       * Backends to run through, one after the other, each reported apart; sent as `X-Sentinel-Backend`.
       * Absent or empty: the proxy's default backend (reported as `default`).
       */
      backends?: readonly string[];
      /**
       * Bearer token (sent as `Authorization: Bearer …`; never logged): a fixed one for the proxy's `token` identity
       * mode, or a function minting one for the run's tenant id (signed tenant tokens).
       */
      token?: string | ((tenantId: string) => string);
      /** Header carrying the tenant id (default `X-Playwright-Id`). */
      tenantHeader?: string;
      /** Prefix of the fresh tenant id of each run (default `journey`; ids look like `journey-k3x9q2ab`). */
      tenantPrefix?: string;
      /** Extra connect headers (credentials of other identity modes, tracing…); values are never logged. */
      headers?: Readonly<Record<string, string>>;
    }
  | {
      /** A Playwright browser server (`launchServer`, `npx playwright run-server`), no proxy. */
      kind: 'direct';
      wsEndpoint: string;
      headers?: Readonly<Record<string, string>>;
    }
  | {
      /** Launch a local Chromium for this run (development); found with lib/chromium.ts. */
      kind: 'launch';
      chromiumPath?: string;
    };

/** Header naming the proxy backend a connection wants (wire contract with the proxy). */
export const BACKEND_HEADER = 'X-Sentinel-Backend';
/** The proxy's default tenant-id header. */
export const DEFAULT_TENANT_HEADER = 'X-Playwright-Id';

/** Progress, for a terminal or a log. */
export type ProgressEvent =
  | { type: 'run-start'; backend: string; journey: string; side?: Side; attempt: number }
  | { type: 'run-end'; run: JourneyRun };

/** Options shared by {@link RunOptions} and {@link PairedOptions}. */
export interface CommonRunOptions {
  browser: BrowserSource;
  /** Run only these journeys (by name); default all. */
  journeys?: readonly string[];
  /** Most browser contexts open at once per backend (default 2: two cores). */
  concurrency?: number;
  /** Deadline of the whole call in ms; journeys not finished by then end as `error` (`deadline`). Default 10 min. */
  deadlineMs?: number;
  /** Folder for failure screenshots and traces (a sub-folder per run, made only on failure). Absent: none are saved. */
  artifactsDir?: string;
  /** Record a Playwright trace and keep it on failure (default `on-failure`; journeys using secrets never record one). */
  trace?: 'on-failure' | 'off';
  /** Values for `{ env: NAME }` variables (pass `process.env` from a config.ts or main). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Connect timeout in ms, including the proxy's sandbox start (default 60 000). */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
  log?: Logger;
}

/** {@link runJourneys}: the spec's journeys against one target, `repeat` times, through each backend. */
export interface RunOptions extends CommonRunOptions {
  /** The target; `{{baseUrl}}` in the spec, and relative `goto` URLs resolve against it. */
  baseUrl: string;
  /** Runs per journey (default 1). */
  repeat?: number;
}

/** Which side of a paired comparison a run belongs to. */
export type Side = 'canary' | 'stable';

/** One step's outcome. */
export interface StepResult {
  /** 1-based position in the journey. */
  step: number;
  action: StepAction;
  /** The step's `name`, or its action and target (`click role=button "Buy"`); secrets redacted. */
  label: string;
  status: 'passed' | 'failed' | 'skipped';
  durationMs: number;
  error?: string;
}

/** A request that failed: HTTP status ≥ 400, or a network failure. */
export interface FailedRequest {
  method: string;
  /** The URL reduced to a template: target origin → `{baseUrl}`, ids and query values → `{id}` / `{}`. */
  template: string;
  status?: number;
  /** Network failure text (`net::ERR_CONNECTION_REFUSED`) when there was no response. */
  failure?: string;
}

/** Navigation Timing of the last document (ms from navigation start). */
export interface NavigationTiming {
  ttfbMs: number;
  domContentLoadedMs: number;
  loadMs: number;
}

/** Web Vitals as the browser reports them (absent when it gave none). */
export interface WebVitals {
  lcpMs?: number;
  cls?: number;
  /** Total Blocking Time: sum over long tasks of (duration − 50 ms). */
  tbtMs?: number;
  /** Longest interaction latency seen (an INP approximation over one journey). */
  inpMs?: number;
}

/** Why a run could not say pass or fail (`error` runs): the infrastructure, not the app. */
export type InfraErrorKind =
  | 'connect' // proxy or browser server unreachable, refused, or no such backend
  | 'sandbox_limit' // the proxy is at its sandbox limit (503)
  | 'sandbox_crash' // the browser went away mid-journey
  | 'deadline' // the whole call's deadline passed before the journey finished
  | 'aborted' // the caller's signal
  | 'internal'; // a runner bug; the message says what

/** One run of one journey. */
export interface JourneyRun {
  journey: string;
  backend: string;
  side?: Side;
  /** 1-based repeat number. */
  attempt: number;
  /** The target base URL. */
  target: string;
  /**
   * `passed`/`failed`: the app's verdict. `error`: the infrastructure failed (see `errorKind`) — upstream this must
   * count as missing data (inconclusive), never as a failed journey.
   */
  status: 'passed' | 'failed' | 'error';
  /** Failed: which step and why. Error: the infrastructure reason. Secrets redacted. */
  reason?: string;
  errorKind?: InfraErrorKind;
  /** 1-based step that failed. */
  failedStep?: number;
  startedAt: string;
  durationMs: number;
  steps: StepResult[];
  /** HTTP status of the last document navigated to. */
  documentStatus?: number;
  /** console.error messages (target origin → `{baseUrl}`). */
  consoleErrors: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
  failedRequests: FailedRequest[];
  navigation?: NavigationTiming;
  vitals?: WebVitals;
  /** Paths of artifacts saved for this run (failures only). */
  artifacts: { screenshot?: string; trace?: string; screenshots?: string[] };
}

/** All runs through one backend. */
export interface BackendRun {
  /** The backend kind asked for, `default` (the proxy's), `direct` or `launch`. */
  backend: string;
  /** The tenant id used through the proxy. */
  tenantId?: string;
  /** `error` when the backend could not be used at all (every run is then `error` too). */
  status: 'ok' | 'error';
  reason?: string;
  runs: JourneyRun[];
}

/** {@link runJourneys}' result. */
export interface RunReport {
  target: string;
  repeat: number;
  startedAt: string;
  durationMs: number;
  backends: BackendRun[];
}

/**
 * Thresholds of the paired comparison. Each is a named option because each trades detection against false alarms;
 * the defaults are tuned for N = 10 runs per side (journeys/README.md says why).
 */
export interface ComparisonThresholds {
  /** Significance level of the pass-rate and latency tests (one-sided). */
  alpha: number;
  /** Smallest Cliff's delta for a latency regression: 0.5 = canary slower in ≥ 75 % of pairs. */
  minLatencyEffect: number;
  /** Smallest canary/stable ratio of step p50 latency for a regression (ignores tiny but consistent shifts). */
  minLatencyRatio: number;
  /** Smallest absolute p50 increase in ms (sub-frame jitter is not a regression). */
  minLatencyDeltaMs: number;
  /** An error (console, page, failed request) never seen on the stable counts when seen in at least this many canary runs. */
  newErrorMinRuns: number;
  /** Fewer valid (non-`error`) runs than this on either side makes the journey inconclusive. */
  minValidRuns: number;
}

/** {@link runPaired}: canary and stable interleaved A/B/A/B, `repeat` runs each, through each backend. */
export interface PairedOptions extends CommonRunOptions {
  canary: string;
  stable: string;
  /** Runs per side per journey (default 10). */
  repeat?: number;
  thresholds?: Partial<ComparisonThresholds>;
}

/** Pass counts and duration of one side. */
export interface SideSummary {
  runs: number;
  passed: number;
  failed: number;
  /** Runs that ended in an infrastructure error (excluded from the tests). */
  errors: number;
  /** passed / (passed + failed); NaN when there was no valid run. */
  passRate: number;
  durationMs: { p50: number; p95: number };
}

/** Latency of one step on both sides (passed steps only). */
export interface StepComparison {
  step: number;
  label: string;
  stable: { n: number; p50Ms: number; p95Ms: number };
  canary: { n: number; p50Ms: number; p95Ms: number };
  /** One-sided rank test: canary slower. */
  pValue: number;
  /** Cliff's delta (canary > stable), −1…1. */
  effect: number;
  regression: boolean;
}

/** An error or failed-request template that appeared on the canary and never on the stable. */
export interface NewOnCanary {
  kind: 'console' | 'page' | 'request';
  text: string;
  /** In how many canary runs it appeared. */
  canaryRuns: number;
}

/** The comparison of one journey through one backend. */
export interface JourneyComparison {
  journey: string;
  backend: string;
  outcome: 'no_regression' | 'regression' | 'inconclusive';
  /** Why, in words (one line each). */
  reasons: string[];
  stable: SideSummary;
  canary: SideSummary;
  /** One-sided Fisher exact test: the canary fails more often. */
  passRatePValue: number;
  steps: StepComparison[];
  newOnCanary: NewOnCanary[];
  /** A canary failure reason, for reports (the most frequent one). */
  canaryFailure?: string;
  artifacts: { screenshots: string[]; traces: string[] };
}

/** One backend's paired runs and comparisons. */
export interface BackendComparison {
  backend: string;
  tenantId?: string;
  status: 'ok' | 'error';
  reason?: string;
  runs: JourneyRun[];
  journeys: JourneyComparison[];
}

/** {@link runPaired}'s result. `verdict` follows the judge's exit codes: 0 no_regression, 1 regression, 2 inconclusive. */
export interface PairedReport {
  canary: string;
  stable: string;
  repeat: number;
  startedAt: string;
  durationMs: number;
  thresholds: ComparisonThresholds;
  verdict: 'no_regression' | 'regression' | 'inconclusive';
  backends: BackendComparison[];
}
