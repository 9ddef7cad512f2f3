import { describe, expect, it } from 'vitest';
import { parseRunRequest } from '../../../packages/runner/src/queue/run-request.js';

describe('run requests', () => {
  it('fills in defaults and normalizes the sha and labels', () => {
    const parsed = parseRunRequest({
      repo: 'https://git.example/acme/shop.git',
      sha: 'ABCDEF1',
      labels: ['Linux', 'docker', 'linux'],
    });
    expect(parsed).toEqual({
      ok: true,
      request: {
        repo: 'https://git.example/acme/shop.git',
        sha: 'abcdef1',
        ref: '',
        trigger: 'manual',
        labels: ['docker', 'linux'],
        secrets: true,
      },
    });
  });

  it('takes a base to compare with as a sha or a full ref, never as something git could read as an option', () => {
    const base = (value: string) =>
      parseRunRequest({ repo: 'https://git.example/a.git', sha: 'abcdef1', compare: { base: value } });
    expect(base('ABCDEF12')).toMatchObject({ ok: true, request: { compare: { base: 'ABCDEF12', mergeBase: false } } });
    expect(base('refs/heads/release/1.x')).toMatchObject({ ok: true });
    for (const bad of ['--output=/etc/passwd', 'main', 'refs/heads/a b', 'refs/heads/x:y']) {
      expect(base(bad)).toEqual({
        ok: false,
        problems: ['compare.base: expected a commit sha or a full ref (refs/heads/main)'],
      });
    }
  });

  it('reports every problem with its field', () => {
    const parsed = parseRunRequest({
      repo: '',
      sha: 'main',
      pipeline: '../../etc/passwd',
      labels: ['no spaces'],
      trigger: 'cron',
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.problems).toEqual([
      'repo: Too small: expected string to have >=1 characters',
      'sha: expected a commit sha (7 to 64 hex digits)',
      'pipeline: expected a path inside the repository (relative, no "..")',
      expect.stringMatching(/^trigger: /),
      'labels.0: expected a label like docker or linux-arm64',
    ]);
  });

  it('keeps secrets: false for untrusted code', () => {
    const parsed = parseRunRequest({ repo: 'file:///r', sha: 'a'.repeat(40), trigger: 'pull_request', secrets: false });
    expect(parsed.ok && parsed.request.secrets).toBe(false);
  });
});
