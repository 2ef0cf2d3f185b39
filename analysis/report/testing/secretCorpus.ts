/**
 * @module analysis/report/testing/secretCorpus — fake secrets for leak tests, one or more per redaction kind,
 * assembled at run time so no realistic token is ever committed.
 */
import type { RedactionKind } from '../../redact/redact.ts';

const j = (...parts: string[]): string => parts.join('');
const R36 = 'Zq4Lm8Np2Rt6Vx0Bc3Df7Gh1Jk5Mn9Pq2St6';

/** A log line carrying a secret, and the secret substring that must never leave the process. */
export interface SecretSample {
  kind: RedactionKind;
  line: string;
  secret: string;
}

/** Lines as a misbehaving app would log them. */
export function secretCorpus(): SecretSample[] {
  const jwt = j('eyJ', 'hbGciOiJIUzI1NiJ9', '.', 'eyJzdWIiOiJjYW5hcnkifQ', '.', 'Qw3rTy_uI0p-AsDf');
  const pemBody = j('MIIEow', 'IBAAKCAQEA', R36);
  return [
    {
      kind: 'private_key',
      line: j('loading -----BEGIN ', 'PRIVATE KEY-----\n', pemBody, '\n-----END ', 'PRIVATE KEY-----'),
      secret: pemBody,
    },
    { kind: 'jwt', line: `GET /callback?id_token=${jwt} 500`, secret: jwt },
    {
      kind: 'bearer',
      line: j('upstream said 401 for Authorization: Bearer ', 'k9', 'Xy7Wv5Ut3Sr1Qp'),
      secret: j('k9', 'Xy7Wv5Ut3Sr1Qp'),
    },
    {
      kind: 'basic_auth',
      line: j('proxy auth header Basic ', 'Y2FuYXJ5O', 'nMzY3IzdA=='),
      secret: j('Y2FuYXJ5O', 'nMzY3IzdA=='),
    },
    {
      kind: 'url_password',
      line: j('dial postgres://app:', 'Pa55', 'w0rdCanary', '@db:5432/app failed'),
      secret: j('Pa55', 'w0rdCanary'),
    },
    {
      kind: 'connection_string',
      line: j('conn=Server=db;User Id=sa;Password=', 'Cnry', 'Pw9931', ';'),
      secret: j('Cnry', 'Pw9931'),
    },
    {
      kind: 'aws_access_key',
      line: j('using key AKIA', 'IOSFODNN7', 'CANARY1'),
      secret: j('AKIA', 'IOSFODNN7', 'CANARY1'),
    },
    { kind: 'github_token', line: j('git push with ghp_', R36), secret: j('ghp_', R36) },
    {
      kind: 'gitlab_token',
      line: j('glpat-', 'Xy12Zw34Vu56Ts78Rq90'),
      secret: j('glpat-', 'Xy12Zw34Vu56Ts78Rq90'),
    },
    {
      kind: 'slack_token',
      line: j('slack xoxb-', '123456789012-', '1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx'),
      secret: j('xoxb-', '123456789012-', '1234567890123-', 'AbCdEfGhIjKlMnOpQrStUvWx'),
    },
    {
      kind: 'stripe_key',
      line: j('charge failed sk_live_', '51Hx', 'Qw2Er3Ty4Ui5Op6As7Df8'),
      secret: j('sk_live_', '51Hx', 'Qw2Er3Ty4Ui5Op6As7Df8'),
    },
    {
      kind: 'google_api_key',
      line: j('maps key AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'),
      secret: j('AIza', 'SyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q'),
    },
    {
      kind: 'openai_key',
      line: j('llm key sk-proj-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56'),
      secret: j('sk-proj-', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56'),
    },
    {
      kind: 'npm_token',
      line: j('npm auth npm_', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78'),
      secret: j('npm_', 'Ab12Cd34Ef56Gh78Ij90Kl12Mn34Op56Qr78'),
    },
    {
      kind: 'secret_assignment',
      line: j('config loaded: api_key=', 'tOpS3cr3t', 'Canary77'),
      secret: j('tOpS3cr3t', 'Canary77'),
    },
    {
      kind: 'secret_assignment',
      line: j('env REDIS_PASS=', 'rEd1sCanary99', ' REDIS_HOST=cache'),
      secret: j('rEd1sCanary99'),
    },
    {
      kind: 'secret_flag',
      line: j('exec psql --host db --password ', 'Cl1FlagCanary', ' --port 5432'),
      secret: j('Cl1FlagCanary'),
    },
    {
      kind: 'secret_header',
      line: j('< Set-Cookie: session=', 'c00kieCanary42', '; Path=/; HttpOnly'),
      secret: j('c00kieCanary42'),
    },
    {
      kind: 'gitleaks',
      line: j(
        'upload with pypi-AgEIcHlwaS5vcmc',
        'CJDNjFmNDQwYS1hYjk0LTQ5ZjctODZmNy1jYWNhcnlfdG9rZW4',
        ' done',
      ),
      secret: j('CJDNjFmNDQwYS1hYjk0LTQ5ZjctODZmNy1jYWNhcnlfdG9rZW4'),
    },
    {
      kind: 'high_entropy',
      line: j('aws_secret ', 'wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCY9CANARYK3y7'),
      secret: j('wJalrXUtnFEMI/K7MDENG/', 'bPxRfiCY9CANARYK3y7'),
    },
    {
      kind: 'slack_token',
      line: j('slack post failed token=xox', 'b-', '1234567890123-9876543210987-', 'SlAcKtAiLcAnArY42xYz'),
      secret: 'SlAcKtAiLcAnArY42xYz',
    },
    {
      kind: 'google_api_key',
      line: j('maps: key AI', 'za', 'SyB-', 'gOoGlEcAnArY0123456789abcdefghi', ' rejected'),
      secret: 'gOoGlEcAnArY0123456789abcdefghi',
    },
    {
      kind: 'email',
      line: j('payment failed for jane.', 'doe', '@example.org'),
      secret: j('jane.', 'doe', '@example.org'),
    },
  ];
}
