import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../lib/random.ts';
import { readRecordsSync } from '../logs/records.ts';
import { TemplateMiner, templateText } from './drain.ts';
import { groupingAccuracy } from './groupingAccuracy.ts';
import { HeaderShape, levelOfToken, parseHeader } from './header.ts';
import { parseTextLine } from './line.ts';

describe('header detection on formats of every kind (no per-format configuration)', () => {
  it.each([
    [
      'ISO 8601 + level + logger',
      '2026-12-02T03:04:05.678Z INFO  shop.http - GET /book/7 200',
      'GET /book/7 200',
      'info',
    ],
    [
      'web shop',
      '2026-12-02 03:04:05.678 [worker-3] INFO  shop.http - GET /book/7 200 12ms rid=a',
      'GET /book/7 200 12ms rid=a',
      'info',
    ],
    [
      'Apache error',
      '[Sun Dec 04 04:47:44 2005] [notice] jk2_init() Found child 6725 in scoreboard slot 10',
      'jk2_init() Found child 6725 in scoreboard slot 10',
      'info',
    ],
    [
      'Apache error level',
      '[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6',
      'mod_jk child workerEnv in error state 6',
      'error',
    ],
    [
      'syslog',
      'Dec 10 06:55:46 host-12 sshd[24200]: reverse mapping failed',
      'reverse mapping failed',
      undefined,
    ],
    ['syslog priority', '<131>Dec 10 06:55:46 host-12 app[1]: disk full', 'disk full', 'error'],
    [
      'klog',
      'E1202 03:04:05.678901   12 controller.go:42] sync failed: timeout',
      'sync failed: timeout',
      'error',
    ],
    [
      'log4j comma millis',
      '2015-10-18 18:01:47,978 WARN [main] org.apache.hadoop.Foo: lease lost',
      'lease lost',
      'warn',
    ],
    [
      'yyMMdd HHmmss pid',
      '081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating',
      'PacketResponder 1 terminating',
      'info',
    ],
    [
      'dd/MMM/yyyy CLF',
      '10.0.0.1 - - [02/Dec/2026:03:04:05 +0000] "GET /a HTTP/1.1" 200 5',
      '"GET /a HTTP/1.1" 200 5',
      undefined,
    ],
    [
      'epoch seconds',
      '1117838570 node-12 kernel: cache parity error corrected',
      'cache parity error corrected',
      undefined,
    ],
    ['epoch millis', '1733108645678 ERROR payment declined', 'payment declined', 'error'],
    ['Android logcat', '03-17 16:13:38.811  1702  2395 D WindowManager: frozen', 'frozen', 'debug'],
    [
      'Windows CBS',
      '2016-09-28 04:30:30, Info                  CBS    Starting TrustedInstaller',
      'CBS    Starting TrustedInstaller',
      'info',
    ],
    [
      'program - message',
      '[10.30 16:49:06] chrome.exe - proxy.example.org:5070 open through proxy',
      'proxy.example.org:5070 open through proxy',
      undefined,
    ],
    [
      'pipe-separated',
      '20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579',
      'Step_LSC|30002312|onStandStepChanged 3579',
      undefined,
    ],
    ['kubectl --prefix', '[pod/cart-1/app] 2024-05-01T10:00:00Z WARN slow request', 'slow request', 'warn'],
    ['CRI container runtime', '2024-05-01T10:00:00.123456789Z stdout F ERROR db down', 'db down', 'error'],
    [
      'logfmt',
      'time=2024-01-01T00:00:00Z level=warn msg="disk almost full" used=91',
      'disk almost full',
      'warn',
    ],
    ['no header at all', 'connection reset by peer', 'connection reset by peer', undefined],
  ])('%s', (_name, line, message, level) => {
    const p = parseTextLine(line);
    expect(p.message).toBe(message);
    expect(p.level).toBe(level);
  });

  it('a line that is only a header gives an empty message, and never throws on odd input', () => {
    expect(parseTextLine('2026-12-02 03:04:05,123 INFO').message).toBe('');
    for (const odd of [
      '',
      ' ',
      '[',
      ']]]',
      '[[[[',
      '\u0000\ufffd\ufffd',
      '<999>',
      'x'.repeat(100_000),
      '['.repeat(5000),
    ])
      expect(() => parseTextLine(odd)).not.toThrow();
  });

  it('events do not split by weekday, month, date or thread (the issue’s example)', () => {
    const m = new TemplateMiner();
    const ids = new Set(
      [
        '[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
        '[Mon Jan 09 11:02:17 2006] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
        '[Sat Jun 11 23:59:01 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties',
      ].map((l) => m.add(parseTextLine(l).message).id),
    );
    expect(ids.size).toBe(1);
  });

  it('a timestamp format that changes midway still gives one template per event', () => {
    const lines = Array.from({ length: 200 }, (_, i) =>
      i < 100
        ? `2026-12-02T03:04:${String(i % 60).padStart(2, '0')}Z INFO cache refreshed ${i} entries`
        : `Dec  2 03:04:${String(i % 60).padStart(2, '0')} host-1 app[7]: cache refreshed ${i} entries`,
    );
    const m = new TemplateMiner();
    const ids = new Set([...readRecordsSync('x', lines)].map((r) => m.add(r.message).id));
    expect(ids.size).toBe(1);
  });

  it('mixed JSON and plain lines: the JSON message field and the plain message mine alike', () => {
    const recs = [
      ...readRecordsSync('x', [
        '{"time":"2026-12-02T03:04:05Z","level":"error","msg":"charge failed for order 12"}',
        '2026-12-02 03:04:06 ERROR charge failed for order 13',
      ]),
    ];
    expect(recs.map((r) => r.level)).toEqual(['error', 'error']);
    const m = new TemplateMiner();
    expect(m.add(recs[0]?.message ?? '').id).toBe(m.add(recs[1]?.message ?? '').id);
  });
});

describe('learned header shape (a source teaches its own header columns)', () => {
  const hpc = (i: number, msg: string): string =>
    `${134681 + i} node-${i % 250} ${i % 2 ? 'node' : 'gige'} temperature ${1077804742 + i} 1 ${msg}`;

  it('finds header words between numbers when every line has a time column', () => {
    const lines = Array.from({ length: 100 }, (_, i) => hpc(i, i % 2 ? 'normal' : 'warning'));
    const shape = HeaderShape.learn(lines);
    expect(shape.columns).toBe(6);
    expect(parseHeader(hpc(1, 'warning'), shape).message).toBe('warning');
    const m = new TemplateMiner();
    const recs = [...readRecordsSync('hpc', lines)].map((r) => templateText(m.add(r.message)));
    expect(new Set(recs)).toEqual(new Set(['normal', 'warning']));
  });

  it('does not eat the message of uniform access logs (numbers right of the time are message)', () => {
    const lines = Array.from({ length: 100 }, (_, i) => `2026-12-02T03:04:05Z GET /book/${i} 200 ${i}ms`);
    expect(HeaderShape.learn(lines).columns).toBeLessThanOrEqual(1);
    expect([...readRecordsSync('a', lines)][5]?.message).toBe('GET /book/5 200 5ms');
  });

  it('lines with a level keep the header they parse to', () => {
    const lines = Array.from(
      { length: 100 },
      (_, i) => `2026-12-02 03:04:05 INFO worker ${i} done in ${i} ms`,
    );
    expect(HeaderShape.learn(lines).columns).toBe(0);
  });
});

describe('grouping on formats the miner was not tuned on (synthetic lines in well-known layouts)', () => {
  const r = seededRandom(7);
  const n = (k: number): number => Math.floor(r() * k);
  const hosts = ['LabSZ', 'combo', 'calvisitor-10-105-160-95', 'node-12'];
  const layouts: Array<(msg: string) => string> = [
    (m) => `Dec ${1 + n(28)} 0${n(9)}:${10 + n(49)}:${10 + n(49)} ${hosts[n(4)]} sshd[${n(30000)}]: ${m}`,
    (m) =>
      `[${['Sun', 'Mon', 'Tue'][n(3)]} Dec 0${1 + n(8)} 0${n(9)}:47:44 2005] [${['notice', 'error'][n(2)]}] ${m}`,
    (m) => `2017122${n(9)}-22:15:${10 + n(49)}:${100 + n(899)}|Step_LSC|3000${n(9999)}|${m}`,
    (m) => `[10.${10 + n(20)} 16:${10 + n(49)}:06] ${['chrome.exe', 'firefox.exe'][n(2)]} - ${m}`,
    (m) =>
      `03-1${n(9)} 16:13:38.${100 + n(899)}  ${1000 + n(999)}  ${2000 + n(999)} ${['D', 'I'][n(2)]} WindowManager: ${m}`,
    (m) => `2016-09-28 04:30:${10 + n(49)}, Info                  CBS    ${m}`,
  ];
  const events: Array<() => string> = [
    () => `Accepted password for user${n(50)} from 10.0.${n(255)}.${n(255)} port ${n(65535)} ssh2`,
    () => `session opened for user root by (uid=${n(2)})`,
    () => `Connection closed by 10.${n(255)}.0.${n(255)} [preauth]`,
    () => `onStandStepChanged ${n(9999)}`,
    () => `open through proxy proxy.example.org:${n(9000)} HTTPS`,
    () => `Failed to read ${n(64)} bytes from socket ${n(64)}: timed out after ${n(900)} ms`,
  ];

  it.each(layouts.map((l, i) => [i, l] as const))('layout %i: grouping accuracy ≥ 0.9', (_i, layout) => {
    const truth: string[] = [];
    const lines: string[] = [];
    for (let k = 0; k < 600; k++) {
      const e = n(events.length);
      truth.push(`E${e}`);
      lines.push(layout((events[e] as () => string)()));
    }
    const m = new TemplateMiner();
    const got = [...readRecordsSync('x', lines)].map((rec) => m.add(rec.message).id);
    expect(groupingAccuracy(got, truth)).toBeGreaterThanOrEqual(0.9);
  });
});

describe('level names', () => {
  it('are own keys only: a token or field named like an Object property is not a level', () => {
    expect(levelOfToken('CONSTRUCTOR')).toBeUndefined();
    expect(parseHeader('2024-01-01 12:00:00 CONSTRUCTOR called').level).toBeUndefined();
    expect(levelOfToken('INFO')).toBe('info');
    expect(levelOfToken('[info]')).toBe('info');
    expect(levelOfToken('info')).toBeUndefined();
  });
});
