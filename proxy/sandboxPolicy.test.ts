import { describe, expect, it } from 'vitest';
import { refusal } from './sandboxPolicy.ts';

const call = (method: string, params: object): string =>
  JSON.stringify({ id: 7, guid: 'x@1', method, params });
const strict = { allowCdp: false };

describe('sandbox protocol policy', () => {
  it.each([
    ['goto file:', call('goto', { url: 'file:///etc/hostname' })],
    ['goto FILE: with spaces', call('goto', { url: '  FILE:///etc/hostname' })],
    ['goto chrome:', call('goto', { url: 'chrome://version' })],
    ['goto view-source:', call('goto', { url: 'view-source:http://x/' })],
    ['goto about:settings', call('goto', { url: 'about:settings' })],
    ['goto a relative path', call('goto', { url: 'etc/hostname' })],
    ['newBrowserCDPSession', call('newBrowserCDPSession', {})],
    ['newCDPSession', call('newCDPSession', { page: { guid: 'page@1' } })],
    ['newContext with a proxy', call('newContext', { proxy: { server: 'direct://' } })],
    ['newRequest with a proxy', call('newRequest', { proxy: { server: 'http://127.0.0.1:9090' } })],
    ['newRequest with tracesDir', call('newRequest', { tracesDir: '/tmp/x' })],
    ['Artifact.saveAs', call('saveAs', { path: '/tmp/evil' })],
  ])('refuses %s with a protocol error for that call id', (_name, message) => {
    const reply = refusal(message, strict);
    expect(reply).toBeDefined();
    const parsed = JSON.parse(reply as string) as {
      id: number;
      error: { error: { message: string; name: string } };
    };
    expect(parsed.id).toBe(7);
    expect(parsed.error.error.message).toMatch(/^SandboxPolicy: \w+ refused: /);
  });

  it.each([
    ['goto http', call('goto', { url: 'http://example.test/' })],
    ['goto https', call('goto', { url: 'https://example.test/a?b' })],
    ['goto data:', call('goto', { url: 'data:text/html,<p>x' })],
    ['goto about:blank', call('goto', { url: 'about:blank' })],
    ['newContext without a proxy', call('newContext', { viewport: { width: 1, height: 1 } })],
    ['an ordinary call', call('click', { selector: 'text=Buy' })],
    ['not JSON (the sandbox rejects it)', 'not json'],
  ])('lets %s through', (_name, message) => {
    expect(refusal(message, strict)).toBeUndefined();
  });

  it('raw CDP only when allowed', () => {
    expect(refusal(call('newBrowserCDPSession', {}), { allowCdp: true })).toBeUndefined();
  });
});
