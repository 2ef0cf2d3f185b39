import { describe, expect, it } from 'vitest';
import { parseRequest, templateRoute } from './requests.ts';

describe('requests in any format', () => {
  it.each([
    [
      'plain `200 12ms`',
      '2026-12-02 03:04:05.678 [worker-3] INFO  shop.http - GET /book/7 200 12ms rid=a1',
      { method: 'GET', route: '/book/:id', status: 200, durationMs: 12 },
    ],
    [
      'logfmt `status=500 duration=0.8s`',
      'level=info method=POST path=/api/cart/items/42 status=500 duration=0.8s',
      { method: 'POST', route: '/api/cart/items/:id', status: 500, durationMs: 800 },
    ],
    [
      'JSON, nested http fields',
      '{"level":"info","http":{"method":"GET","path":"/a/1?x=2","status":503},"latency_ms":42}',
      { method: 'GET', route: '/a/:id', status: 503, durationMs: 42 },
    ],
    [
      'JSON, GCP httpRequest',
      '{"httpRequest":{"requestMethod":"GET","requestUrl":"https://h/p/9","status":200,"latency":"0.123s"}}',
      { method: 'GET', route: '/p/:id', status: 200, durationMs: 123 },
    ],
    [
      'common log format',
      '10.0.0.1 - - [02/Dec/2026:03:04:05 +0000] "GET /book/7 HTTP/1.1" 404 153',
      { method: 'GET', route: '/book/:id', status: 404 },
    ],
    [
      'combined log format',
      '10.0.0.1 - bob [02/Dec/2026:03:04:05 +0000] "POST /login HTTP/2.0" 302 0 "https://x/" "Mozilla/5.0"',
      { method: 'POST', route: '/login', status: 302 },
    ],
    [
      'ingress-nginx (request_time in seconds)',
      '10.0.0.1 - - [02/Dec/2026:03:04:05 +0000] "GET /book/7 HTTP/1.1" 200 153 "-" "curl/8" 412 0.013 [shop-web-80] [] 10.1.1.1:80 153 0.012 200 abc',
      { method: 'GET', route: '/book/:id', status: 200, durationMs: 13 },
    ],
    [
      'Envoy default access log (duration in ms)',
      '[2026-12-02T03:04:05.678Z] "GET /book/7 HTTP/1.1" 503 UF 0 91 35 - "-" "curl/8" "id" "shop" "10.1.1.1:80"',
      { method: 'GET', route: '/book/:id', status: 503, durationMs: 35 },
    ],
    [
      'OpenStack wsgi',
      '10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 200 len: 1893 time: 0.2477829',
      { method: 'GET', route: '/v2/:id/servers/detail', status: 200, durationMs: 247.7829 },
    ],
  ])('%s', (_name, line, want) => {
    const got = parseRequest(line);
    expect(got).toMatchObject(want);
    if (!('durationMs' in want)) expect(got?.durationMs).toBeUndefined();
  });

  it('a duration alone is a latency sample; lines without a request are not requests', () => {
    expect(parseRequest('flush took 80ms')).toEqual({ durationMs: 80 });
    expect(parseRequest('Notification time out: 3200')).toBeUndefined();
    expect(parseRequest('PacketResponder 1 for block blk_38865049064139660 terminating')).toBeUndefined();
    expect(parseRequest('{"msg":"no request here"}')).toBeUndefined();
  });

  it('routes: ids become :id, files and API versions stay, the query goes', () => {
    expect(templateRoute('/book/7?ref=home')).toBe('/book/:id');
    expect(templateRoute('/static/site.css')).toBe('/static/site.css');
    expect(templateRoute('/v2/orders/3f2b8c1e-9d4a-4b6f-8e2a-1c0d9e8f7a6b')).toBe('/v2/orders/:id');
    expect(templateRoute('https://shop.example/a/b')).toBe('/a/b');
  });

  it('never throws on odd input', () => {
    for (const odd of [
      '',
      '{',
      '{"status":"x"}',
      'GET',
      `GET /${'a/'.repeat(10_000)}`,
      '"GET / HTTP/1.1" 999',
    ])
      expect(() => parseRequest(odd)).not.toThrow();
  });
});
