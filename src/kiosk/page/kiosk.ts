/**
 * Kiosk mode (`?kiosk`, see src/kiosk/shared/kiosk.ts): a full-screen layout with large touch targets (the `kiosk`
 * class on <html>, styled in src/page/styles.css), a page that starts over after a while without input — with a
 * countdown notice first, which any input cancels — and no way off this site.
 */
import { idlePhase, type KioskOptions } from '../shared/kiosk.js';

export interface Kiosk {
  /** Runs `task` (a reload into a new version) now if nobody is using the kiosk, else right after the next idle reset. */
  atNextStartOver(task: () => void): void;
}

/** Input that means someone is at the kiosk. Pointer moves only delay the reset: they change nothing to undo. */
const USE_EVENTS = ['pointerdown', 'keydown', 'wheel', 'input', 'change', 'drop', 'paste'] as const;
const PRESENCE_EVENTS = ['pointermove', 'dragover', 'scroll'] as const;
const TICK_MS = 200;

function idleNotice(): { readonly box: HTMLElement; readonly seconds: HTMLElement } {
  const box = document.createElement('div');
  box.id = 'idle-notice';
  box.className = 'idle-notice';
  box.setAttribute('role', 'alert');
  box.hidden = true;
  const title = document.createElement('p');
  const seconds = document.createElement('strong');
  title.append('Starting over in ', seconds, ' s');
  const hint = document.createElement('p');
  hint.textContent = 'Touch the screen to keep going';
  box.append(title, hint);
  document.body.append(box);
  return { box, seconds };
}

/** Links to other sites are never followed: a kiosk shopper cannot leave the shop (or reach a browser they can keep). */
function stayOnSite(event: MouseEvent): void {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (link instanceof HTMLAnchorElement && new URL(link.href, location.href).origin !== location.origin) event.preventDefault();
}

export function startKiosk(options: KioskOptions, startOver: () => void): Kiosk {
  document.documentElement.classList.add('kiosk');
  const notice = idleNotice();
  const tasks: (() => void)[] = [];
  let lastInput = performance.now();
  // Nothing to undo until someone used the page: an untouched kiosk is never reset (nor its notice shown).
  let used = false;

  const activity = (use: boolean) => () => {
    lastInput = performance.now();
    used ||= use;
    notice.box.hidden = true;
  };
  for (const type of USE_EVENTS) window.addEventListener(type, activity(true), { capture: true, passive: true });
  for (const type of PRESENCE_EVENTS) window.addEventListener(type, activity(false), { capture: true, passive: true });
  for (const type of ['click', 'auxclick'] as const) window.addEventListener(type, stayOnSite, { capture: true });

  setInterval(() => {
    if (!used) return;
    const phase = idlePhase(performance.now() - lastInput, options);
    notice.box.hidden = phase.kind !== 'warning';
    if (phase.kind === 'warning') notice.seconds.textContent = String(phase.secondsLeft);
    if (phase.kind !== 'start-over') return;
    used = false;
    startOver();
    (document.activeElement as HTMLElement | null)?.blur();
    window.scrollTo(0, 0);
    for (const task of tasks.splice(0)) task();
  }, TICK_MS);

  return { atNextStartOver: (task) => (used ? void tasks.push(task) : task()) };
}
