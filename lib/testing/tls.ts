/** @module lib/testing/tls — throwaway self-signed certificates for loopback TLS servers in tests (openssl CLI). */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SelfSignedCert {
  key: Buffer;
  cert: Buffer;
  keyPath: string;
  certPath: string;
}

/** A one-day RSA certificate for `cn`, valid for 127.0.0.1 and any extra `dnsNames`. */
export function selfSignedCert(cn = '127.0.0.1', dnsNames: readonly string[] = []): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'test-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  const san = ['IP:127.0.0.1', ...dnsNames.map((d) => `DNS:${d}`)].join(',');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${cn}`].concat([
      '-addext',
      `subjectAltName=${san}`,
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ]),
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyPath), cert: readFileSync(certPath), keyPath, certPath };
}
