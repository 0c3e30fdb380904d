import { hasCrc32Suffix } from '../checksum.ts';
import type { SecretRule } from '../types.ts';
import { exampleCheck, findWithRegex } from './match.ts';

/** GitHub classic tokens: `gh[pousr]_` + 30 random base62 + 6-character base62 CRC32 of those 30. */
export const githubToken: SecretRule = {
  id: 'github-token',
  title: 'GitHub token',
  description:
    'A GitHub personal access (ghp_), OAuth (gho_), user-to-server (ghu_), server-to-server (ghs_) or ' +
    'refresh (ghr_) token. Its CRC32 checksum is verified, so look-alikes are not reported.',
  confidence: 'high',
  keywords: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])gh[pousr]_([A-Za-z0-9]{36})(?![A-Za-z0-9_])/dg,
      confidence: 'high',
      check: (_s, m) => hasCrc32Suffix(m[1] ?? ''),
    }),
};

/** GitHub fine-grained personal access tokens: `github_pat_` + 22 + `_` + 59 characters. */
export const githubFineGrainedToken: SecretRule = {
  id: 'github-fine-grained-token',
  title: 'GitHub fine-grained personal access token',
  description: 'A GitHub fine-grained personal access token (github_pat_…).',
  confidence: 'high',
  keywords: ['github_pat_'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9_])/dg,
      confidence: 'high',
      check: exampleCheck,
    }),
};

/** GitLab personal access tokens: `glpat-` + at least 20 characters. */
export const gitlabToken: SecretRule = {
  id: 'gitlab-token',
  title: 'GitLab personal access token',
  description: 'A GitLab personal access token (glpat-…).',
  confidence: 'high',
  keywords: ['glpat-'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_-])glpat-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])/dg,
      confidence: 'high',
      check: exampleCheck,
    }),
};

/** npm access tokens: `npm_` + 30 random base62 + 6-character base62 CRC32, as GitHub's. */
export const npmToken: SecretRule = {
  id: 'npm-token',
  title: 'npm access token',
  description: 'An npm access token (npm_…) with a valid CRC32 checksum. It can publish packages.',
  confidence: 'high',
  keywords: ['npm_'],
  find: (text) =>
    findWithRegex(text, {
      pattern: /(?<![A-Za-z0-9_])npm_([A-Za-z0-9]{36})(?![A-Za-z0-9_])/dg,
      confidence: 'high',
      check: (_s, m) => hasCrc32Suffix(m[1] ?? ''),
    }),
};
