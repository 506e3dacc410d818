/**
 * Judges `npm audit --json` output: which high or critical advisories are not explained in
 * scripts/audit-exceptions.json (see docs/security.md), and whether the audit could run at all.
 */
export interface AuditException {
  /** The vulnerable package as npm audit names it. */
  readonly package: string;
  /** The advisory (GHSA id or URL) this explains; all of the package's advisories when omitted. */
  readonly advisory?: string;
  /** Why it does not apply, or why it cannot be fixed yet: the same words as in docs/security.md. */
  readonly why: string;
}

export interface Finding {
  readonly package: string;
  readonly severity: string;
  readonly advisories: readonly string[];
  readonly fixAvailable: boolean;
}

export type AuditVerdict =
  | { readonly kind: 'unreachable'; readonly reason: string }
  | { readonly kind: 'checked'; readonly failing: readonly Finding[]; readonly excused: readonly (Finding & { readonly why: string })[]; readonly stale: readonly AuditException[]; readonly counts: Record<string, number> };

const SERIOUS = new Set(['high', 'critical']);

interface Vulnerability {
  readonly name?: string;
  readonly severity?: string;
  readonly via?: readonly (string | { readonly url?: string; readonly source?: number; readonly severity?: string })[];
  readonly fixAvailable?: unknown;
}

/** `raw` is npm audit's stdout with --json; an error object there means the advisory service did not answer. */
export function judgeAudit(raw: string, exceptions: readonly AuditException[]): AuditVerdict {
  let report: { error?: { code?: string; summary?: string }; message?: string; statusCode?: number; vulnerabilities?: Record<string, Vulnerability>; metadata?: { vulnerabilities?: Record<string, number> } };
  try {
    report = JSON.parse(raw) as typeof report;
  } catch {
    return { kind: 'unreachable', reason: 'npm audit printed no report' };
  }
  if (report.error || !report.vulnerabilities) {
    const why = report.message || report.error?.summary || report.error?.code || 'no report';
    return { kind: 'unreachable', reason: report.statusCode ? `${why} (HTTP ${report.statusCode})` : why };
  }
  const findings: Finding[] = Object.entries(report.vulnerabilities)
    .filter(([, v]) => SERIOUS.has(v.severity ?? ''))
    .map(([name, v]) => ({
      package: v.name ?? name,
      severity: v.severity!,
      advisories: (v.via ?? []).flatMap((via) => (typeof via === 'string' ? [] : [via.url ?? String(via.source)])),
      fixAvailable: Boolean(v.fixAvailable),
    }));
  const excuse = (f: Finding) =>
    exceptions.find((e) => e.package === f.package && (!e.advisory || f.advisories.some((a) => a.includes(e.advisory!))));
  const failing = findings.filter((f) => !excuse(f));
  const excused = findings.flatMap((f) => {
    const e = excuse(f);
    return e ? [{ ...f, why: e.why }] : [];
  });
  const stale = exceptions.filter((e) => !findings.some((f) => excuse(f) === e));
  return { kind: 'checked', failing, excused, stale, counts: report.metadata?.vulnerabilities ?? {} };
}
