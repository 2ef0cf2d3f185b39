import { describe, expect, it } from 'vitest';
import { canAssignCopilot, tokenKind } from './token.ts';

const j = (...p: string[]): string => p.join('');

describe('tokenKind', () => {
  it.each([
    [j('ghp_', 'x'.repeat(36)), 'classic-pat', true],
    [j('github_pat_', 'x'.repeat(40)), 'fine-grained-pat', true],
    [j('gho_', 'x'.repeat(36)), 'oauth', true],
    [j('ghu_', 'x'.repeat(36)), 'user-to-server', true],
    [j('ghs_', 'x'.repeat(36)), 'installation', false],
    [j('v1.', 'a'.repeat(40)), 'installation', false],
    ['0123456789abcdef0123456789abcdef01234567', 'unknown', undefined],
  ])('%s → %s', (token, kind, copilot) => {
    expect(tokenKind(token)).toBe(kind);
    expect(canAssignCopilot(tokenKind(token))).toBe(copilot);
  });
});
