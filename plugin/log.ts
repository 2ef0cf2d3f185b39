/**
 * @module plugin/log — pino writing hclog-style JSON lines to stderr, so the controller re-logs each line at its level
 * (`hashicorp/go-plugin:client.go` `logStderr`: `@level`, `@message`, `@timestamp` with microseconds).
 */
import { pino, type Logger, type LevelWithSilent, type DestinationStream } from 'pino';
import { REDACT_PATHS } from '../lib/log.ts';

export type { Logger };

/** hclog knows trace|debug|info|warn|error; pino's fatal maps to error. */
const HCLOG_LEVEL: Record<string, string> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warn',
  error: 'error',
  fatal: 'error',
};

/** Go layout `2006-01-02T15:04:05.000000Z07:00`; any other shape makes hclog treat the line as plain text. */
export function hclogTimestamp(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

export interface PluginLoggerOptions {
  level?: LevelWithSilent;
  /** Default: fd 2, synchronously. Never stdout: it carries the go-plugin handshake line. */
  destination?: DestinationStream;
}

/** The plugin process's root logger. */
export function createPluginLogger(opts: PluginLoggerOptions = {}): Logger {
  return pino(
    {
      level: opts.level ?? 'info',
      messageKey: '@message',
      base: undefined,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: () => `,"@timestamp":"${hclogTimestamp(new Date())}"`,
      formatters: { level: (label) => ({ '@level': HCLOG_LEVEL[label] ?? 'info' }) },
    },
    opts.destination ?? pino.destination({ fd: 2, sync: true }),
  );
}
