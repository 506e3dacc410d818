/** Kiosk settings from the page's query string, and the idle countdown: pure, so the tests can drive the clock. */

export interface KioskOptions {
  /** Seconds without input before the page starts over. */
  readonly idleSeconds: number;
  /** Seconds before that when the notice (with its countdown) appears. */
  readonly warningSeconds: number;
}

export const DEFAULT_IDLE_SECONDS = 90;
const LONGEST_WARNING_SECONDS = 10;

/**
 * `?kiosk` or `?kiosk=1` (not `?kiosk=0` / `?kiosk=false`) turns kiosk mode on; `&idle=60` sets the idle time in
 * seconds (default 90; anything that is not a positive number keeps the default). Null when not a kiosk.
 */
export function kioskOptions(params: { get(name: string): string | null }): KioskOptions | null {
  const flag = params.get('kiosk');
  if (flag === null || /^(0|false|no|off)$/i.test(flag)) return null;
  const idle = Number(params.get('idle') ?? Number.NaN);
  const idleSeconds = Number.isFinite(idle) && idle > 0 ? idle : DEFAULT_IDLE_SECONDS;
  // The notice takes the last third of the idle time, at most 10 s: enough to read it and touch the screen.
  return { idleSeconds, warningSeconds: Math.min(LONGEST_WARNING_SECONDS, idleSeconds / 3) };
}

export type IdlePhase = { readonly kind: 'active' } | { readonly kind: 'warning'; readonly secondsLeft: number } | { readonly kind: 'start-over' };

/** Where the countdown stands after `idleMs` without input. */
export function idlePhase(idleMs: number, options: KioskOptions): IdlePhase {
  const leftMs = options.idleSeconds * 1000 - idleMs;
  if (leftMs <= 0) return { kind: 'start-over' };
  if (leftMs <= options.warningSeconds * 1000) return { kind: 'warning', secondsLeft: Math.ceil(leftMs / 1000) };
  return { kind: 'active' };
}
