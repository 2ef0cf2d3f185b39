/** @module analysis/report/token — which kind of GitHub token we hold, from its documented prefix. */

/** Kinds of GitHub token; `user` kinds act as a person, `installation` acts as a GitHub App. */
export type TokenKind =
  'classic-pat' | 'fine-grained-pat' | 'oauth' | 'user-to-server' | 'installation' | 'actions' | 'unknown';

/**
 * Classifies a token by prefix (GitHub's token formats: ghp_, github_pat_, gho_, ghu_, ghs_). A `GITHUB_TOKEN` in
 * Actions is an installation token (ghs_) too. GHES tokens without a prefix are `unknown`.
 */
export function tokenKind(token: string): TokenKind {
  if (token.startsWith('github_pat_')) return 'fine-grained-pat';
  if (token.startsWith('ghp_')) return 'classic-pat';
  if (token.startsWith('gho_')) return 'oauth';
  if (token.startsWith('ghu_')) return 'user-to-server';
  if (token.startsWith('ghs_')) return 'installation';
  if (token.startsWith('v1.') && token.length === 43) return 'installation';
  return 'unknown';
}

/** Human description for messages. */
export function describeTokenKind(kind: TokenKind): string {
  const names: Record<TokenKind, string> = {
    'classic-pat': 'classic personal access token (ghp_)',
    'fine-grained-pat': 'fine-grained personal access token (github_pat_)',
    oauth: 'OAuth app token (gho_)',
    'user-to-server': 'GitHub App user-to-server token (ghu_)',
    installation: 'GitHub App installation token (ghs_, also the Actions GITHUB_TOKEN)',
    actions: 'GitHub Actions token',
    unknown: 'token of unknown kind',
  };
  return names[kind];
}

/** True when GitHub will let this token assign the Copilot coding agent (user tokens only). */
export function canAssignCopilot(kind: TokenKind): boolean | undefined {
  if (kind === 'installation' || kind === 'actions') return false;
  if (kind === 'unknown') return undefined;
  return true;
}
