import { describe, expect, it } from 'vitest';
import { detectLevel, levelFromField, levelOfMessage } from './level.ts';
import { readRecordsSync } from './records.ts';

// Issue 13 item 5: a line's level comes from its structure; words count only for lines with no level.
describe('benign INFO/DEBUG lines with alarming words keep their level', () => {
  it.each([
    '2026-12-02 03:04:05 INFO cart retry succeeded after failure',
    '2026-12-02 03:04:05 INFO worker entering critical section',
    '2026-12-02 03:04:05.123 DEBUG app panic handler installed',
    '2026-12-02T03:04:05Z INFO alerts alert rule loaded: HighErrorRate',
    'I1202 03:04:05.678901   12 watch.go:9] no error, no failure, critical path ok',
    '[Sun Dec 04 04:47:44 2005] [notice] mod_jk child workerEnv in error state 6 recovered',
    '{"level":"info","msg":"fatal error counter reset to 0"}',
    'time=2026-12-02T03:04:05Z level=debug msg="segmentation of users into cohorts failed over"',
    '<134>Dec 10 06:55:46 host-1 app[1]: emergency contact updated',
    '2026-12-02 03:04:05 INFO PANIC button pressed in the UI test',
  ])('%s', (line) => {
    const [r] = [...readRecordsSync('x', [line])];
    expect(['info', 'debug']).toContain(r?.level);
  });
});

describe('real fatal lines without a level field are still severe', () => {
  it.each([
    ['panic: runtime error: invalid memory address or nil pointer dereference', 'fatal'],
    ['fatal error: concurrent map writes', 'fatal'],
    ['Traceback (most recent call last):', 'fatal'],
    ['Exception in thread "main" java.lang.NullPointerException', 'fatal'],
    ['Segmentation fault (core dumped)', 'fatal'],
    ['java.lang.OutOfMemoryError: Java heap space', 'fatal'],
    ['Out of memory: Killed process 4321 (node)', 'fatal'],
    ['java.io.IOException: Broken pipe', 'error'],
    ['ERROR: relation "orders" does not exist', 'error'],
    ['error: could not connect to server', 'error'],
  ])('%s → %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });
});

describe('levels from structure', () => {
  it.each([
    ['2026-12-02 03:04:05,001 ERROR [main] a.B: x', 'error'],
    ['2026-12-02 03:04:05 WARNING disk 91 %', 'warn'],
    ['W1202 03:04:05.678901 1 x.go:1] slow', 'warn'],
    ['F1202 03:04:05.678901 1 x.go:1] cannot start', 'fatal'],
    ['<11>Dec 10 06:55:46 host-1 app[1]: something', 'error'],
    ['<14>Dec 10 06:55:46 host-1 app[1]: something', 'info'],
    ['[2026-12-02 03:04:05] [crit] server reached MaxClients', 'fatal'],
    [
      '- 1117838570 2005.06.03 R02-M1-N0 2005-06-03-15.42.50.675872 R02-M1-N0 RAS KERNEL FATAL data TLB error interrupt',
      'fatal',
    ],
    ['just words about an alert and a failure', 'unknown'],
  ])('%s → %s', (line, level) => {
    expect(detectLevel(line)).toBe(level);
  });

  it('JSON level and severity fields, names and numbers', () => {
    expect(levelFromField('Warning')).toBe('warn');
    expect(levelFromField('CRITICAL')).toBe('fatal');
    expect(levelFromField(50)).toBe('error');
    expect(levelFromField('chatty')).toBeUndefined();
    expect([...readRecordsSync('j', ['{"severity":"ERROR","message":"x"}'])][0]?.level).toBe('error');
  });

  it('message words: prose is not a level', () => {
    expect(levelOfMessage('retry succeeded after failure')).toBe('unknown');
    expect(levelOfMessage('entering critical section')).toBe('unknown');
    expect(levelOfMessage('alert rule loaded')).toBe('unknown');
  });
});

describe('levelFromField', () => {
  it('reads own level names only (`constructor` is not a level)', () => {
    expect(levelFromField('constructor')).toBeUndefined();
    expect(levelFromField(' WARN ')).toBe('warn');
  });
});
