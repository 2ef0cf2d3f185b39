/** @module lib/log — structured pino logging to stderr with a closed set of component names. */
import { pino, type Logger, type LevelWithSilent } from 'pino';

/** Every component that may log. Add a name here before using it, so dashboards and filters stay in step. */
export type LogComponent =
  | 'cli'
  | 'proxy.server'
  | 'proxy.sessions'
  | 'proxy.identity'
  | 'proxy.bench'
  | 'backend.local'
  | 'backend.sandboxClaim'
  | 'backend.openShell'
  | 'backend.kars'
  | 'backend.substrate'
  | 'plugin'
  | 'plugin.goplugin'
  | 'plugin.provider'
  | 'analysis'
  | 'analysis.llm'
  | 'analysis.report';

/** Paths whose values are replaced by `[redacted]` wherever they appear in a log object. */
export const REDACT_PATHS = [
  'token',
  'apiKey',
  'authorization',
  'password',
  'secret',
  '*.token',
  '*.apiKey',
  '*.authorization',
  '*.password',
  '*.secret',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
];

export interface LoggerOptions {
  level?: LevelWithSilent;
  /** Where to write; default stderr (fd 2). A go-plugin process must keep stdout for its handshake line. */
  destination?: NodeJS.WritableStream | number;
}

/** Creates the root logger of a process. Call once in main.ts and pass children down. */
export function createRootLogger(opts: LoggerOptions = {}): Logger {
  const dest = opts.destination ?? 2;
  const stream = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino(
    {
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
}

/** A child logger for one component. */
export function componentLogger(root: Logger, component: LogComponent): Logger {
  return root.child({ component });
}

/** A logger that drops everything, for tests and library callers that pass none. */
export const silentLogger: Logger = pino({ level: 'silent' });

export type { Logger };
