import { describe, expect, it } from 'vitest';
import { DEFAULT_IDLE_SECONDS, idlePhase, kioskOptions } from './kiosk.js';

describe('kioskOptions', () => {
  it('turns kiosk mode on with ?kiosk or ?kiosk=1, and off without it or with ?kiosk=0', () => {
    expect(kioskOptions(new URLSearchParams('?kiosk'))?.idleSeconds).toBe(DEFAULT_IDLE_SECONDS);
    expect(kioskOptions(new URLSearchParams('kiosk=1'))?.idleSeconds).toBe(DEFAULT_IDLE_SECONDS);
    expect(kioskOptions(new URLSearchParams(''))).toBeNull();
    expect(kioskOptions(new URLSearchParams('?offline'))).toBeNull();
    expect(kioskOptions(new URLSearchParams('?kiosk=0'))).toBeNull();
    expect(kioskOptions(new URLSearchParams('?kiosk=false'))).toBeNull();
  });

  it('reads the idle time, keeping the default for values that are not positive numbers', () => {
    expect(kioskOptions(new URLSearchParams('?kiosk&idle=60'))).toEqual({ idleSeconds: 60, warningSeconds: 10 });
    expect(kioskOptions(new URLSearchParams('?kiosk&idle=2'))).toEqual({ idleSeconds: 2, warningSeconds: 2 / 3 });
    for (const idle of ['0', '-5', 'soon', '']) expect(kioskOptions(new URLSearchParams(`?kiosk&idle=${idle}`))?.idleSeconds).toBe(DEFAULT_IDLE_SECONDS);
  });
});

describe('idlePhase', () => {
  const options = { idleSeconds: 90, warningSeconds: 10 };

  it('is quiet until the warning, counts down whole seconds, then starts over', () => {
    expect(idlePhase(0, options)).toEqual({ kind: 'active' });
    expect(idlePhase(79_999, options)).toEqual({ kind: 'active' });
    expect(idlePhase(80_000, options)).toEqual({ kind: 'warning', secondsLeft: 10 });
    expect(idlePhase(85_500, options)).toEqual({ kind: 'warning', secondsLeft: 5 });
    expect(idlePhase(89_999, options)).toEqual({ kind: 'warning', secondsLeft: 1 });
    expect(idlePhase(90_000, options)).toEqual({ kind: 'start-over' });
  });
});
