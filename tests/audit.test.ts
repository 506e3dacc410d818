/** The dependency audit step (scripts/audit.ts): how it reads npm audit's report. */
import { describe, expect, it } from 'vitest';
import { judgeAudit } from '../scripts/audit-report.js';
import exceptions from '../scripts/audit-exceptions.json' with { type: 'json' };

const report = (vulnerabilities: Record<string, unknown>) =>
  JSON.stringify({ auditReportVersion: 2, vulnerabilities, metadata: { vulnerabilities: { low: 0, moderate: 1, high: 1, critical: 1, total: 3 } } });

const FOUND = report({
  lodash: { name: 'lodash', severity: 'critical', via: [{ source: 1, url: 'https://github.com/advisories/GHSA-aaaa-bbbb-cccc', severity: 'critical' }], fixAvailable: true },
  'some-tool': { name: 'some-tool', severity: 'high', via: ['lodash'], fixAvailable: false },
  debug: { name: 'debug', severity: 'moderate', via: [{ source: 2, url: 'https://github.com/advisories/GHSA-dddd', severity: 'moderate' }], fixAvailable: true },
});

describe('judgeAudit', () => {
  it('fails on high and critical advisories, not on moderate ones', () => {
    const verdict = judgeAudit(FOUND, []);
    expect(verdict.kind).toBe('checked');
    if (verdict.kind !== 'checked') return;
    expect(verdict.failing.map((f) => [f.package, f.severity, f.fixAvailable])).toEqual([
      ['lodash', 'critical', true],
      ['some-tool', 'high', false],
    ]);
    expect(verdict.failing[0]!.advisories).toEqual(['https://github.com/advisories/GHSA-aaaa-bbbb-cccc']);
  });

  it('lets an explained finding pass, and reports explanations that no longer apply', () => {
    const verdict = judgeAudit(FOUND, [
      { package: 'lodash', advisory: 'GHSA-aaaa-bbbb-cccc', why: 'only in the build tools, never shipped' },
      { package: 'some-tool', why: 'dev only' },
      { package: 'left-pad', why: 'was fixed' },
    ]);
    if (verdict.kind !== 'checked') throw new Error('expected a report');
    expect(verdict.failing).toEqual([]);
    expect(verdict.excused.map((f) => f.why)).toEqual(['only in the build tools, never shipped', 'dev only']);
    expect(verdict.stale.map((e) => e.package)).toEqual(['left-pad']);
    // An explanation for another advisory of the same package does not excuse this one.
    const other = judgeAudit(FOUND, [{ package: 'lodash', advisory: 'GHSA-zzzz', why: 'x' }]);
    expect(other.kind === 'checked' && other.failing.map((f) => f.package)).toEqual(['lodash', 'some-tool']);
  });

  it('says the audit could not run when the advisory service does not answer (offline, or a mirror without it)', () => {
    const mirror = JSON.stringify({ message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk', statusCode: 405, error: { summary: '', detail: '' } });
    expect(judgeAudit(mirror, [])).toEqual({ kind: 'unreachable', reason: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk (HTTP 405)' });
    expect(judgeAudit(JSON.stringify({ error: { code: 'ENOTFOUND', summary: 'getaddrinfo ENOTFOUND registry.npmjs.org' } }), []).kind).toBe('unreachable');
    expect(judgeAudit('', []).kind).toBe('unreachable');
  });

  it('a clean report passes, and every explanation on file names its package and why', () => {
    const verdict = judgeAudit(report({}), []);
    expect(verdict.kind === 'checked' && verdict.failing).toEqual([]);
    for (const e of exceptions as { package?: string; why?: string }[]) {
      expect(e.package).toBeTruthy();
      expect(e.why?.length).toBeGreaterThan(20);
    }
  });
});
