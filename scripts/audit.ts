/**
 * The dependency audit step of .ci/run: `npm audit` must report no high or critical advisory that
 * scripts/audit-exceptions.json does not explain (each explanation is also in docs/security.md).
 *
 * Exit codes: 0 clean (or every finding explained); 1 unexplained high/critical findings. When the advisory service
 * cannot be reached (offline, or a registry mirror that does not serve the audit endpoint — this project's build
 * machines answer 405), the dependencies are NOT checked: the step says so loudly and exits 0, so an offline CI
 * is not red for a reason unrelated to the code; set VITRINE_AUDIT=required (a release build with internet) to
 * make that a failure too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { judgeAudit, type AuditException } from './audit-report.js';

const root = join(import.meta.dirname, '..');
const exceptions = JSON.parse(readFileSync(join(root, 'scripts/audit-exceptions.json'), 'utf8')) as AuditException[];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = spawnSync(npm, ['audit', '--json', '--audit-level=high'], { cwd: root, encoding: 'utf8', timeout: 120_000 });
const verdict = judgeAudit(run.stdout ?? '', exceptions);

if (verdict.kind === 'unreachable') {
  const required = process.env.VITRINE_AUDIT === 'required';
  console.error(`audit: the npm advisory service could not be reached (${verdict.reason}) — dependencies were NOT checked${required ? '' : ' (set VITRINE_AUDIT=required to fail on this)'}`);
  process.exit(required ? 1 : 0);
}
const counts = Object.entries(verdict.counts)
  .filter(([k]) => k !== 'total')
  .map(([k, n]) => `${n} ${k}`)
  .join(', ');
console.error(`audit: ${counts || 'no advisories'}`);
for (const f of verdict.excused) console.error(`audit: explained, ${f.severity} in ${f.package} (${f.advisories.join(', ')}): ${f.why}`);
for (const e of verdict.stale) console.error(`audit: scripts/audit-exceptions.json explains ${e.package}${e.advisory ? ` ${e.advisory}` : ''}, which npm audit no longer reports — remove it`);
for (const f of verdict.failing) console.error(`audit: ${f.severity} in ${f.package}: ${f.advisories.join(', ')}${f.fixAvailable ? ' — npm audit fix can fix it' : ' — no fix yet: explain it in scripts/audit-exceptions.json and docs/security.md'}`);
process.exit(verdict.failing.length ? 1 : 0);
