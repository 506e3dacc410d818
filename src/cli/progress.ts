import type { Progress } from '../common/shared/progress.js';
import { formatBytes } from '../common/shared/units.js';

/**
 * Progress on a terminal stream. On a TTY: one line rewritten in place, at most ten times a second. On a log (CI):
 * a line when a file or batch is done, plus one every few seconds for those that take longer, so logs stay short.
 */
export function terminalProgress(stream: NodeJS.WriteStream): Progress {
  const tty = stream.isTTY === true;
  const redrawMs = 100;
  const logEveryMs = 5000;
  let lastDraw = 0;
  let lineShown = false;
  /** On a log: when each unfinished file or batch was last reported (or first seen). */
  const lastLogged = new Map<string, number>();
  const started = new Map<string, number>();
  const finished = new Set<string>();

  const line = (message: string): void => {
    stream.write(`${lineShown ? '\r\x1b[K' : ''}${message}\n`);
    lineShown = false;
  };
  const update = (key: string, text: string, done: boolean): void => {
    if (finished.has(key)) return; // the final update of a file can come twice
    if (done) finished.add(key);
    const now = Date.now();
    if (tty) {
      if (!done && now - lastDraw < redrawMs) return;
      lastDraw = now;
      stream.write(`\r\x1b[K${text}`);
      lineShown = true;
      return;
    }
    if (!done) {
      const since = lastLogged.get(key);
      if (since === undefined) lastLogged.set(key, now);
      if (since === undefined || now - since < logEveryMs) return;
      lastLogged.set(key, now);
    }
    line(text);
  };
  return {
    file(path, received, total) {
      if (total === null) return update(path, `${path}  ${formatBytes(received)}`, false);
      const percent = total === 0 ? 100 : Math.floor((received / total) * 100);
      update(path, `${path}  ${formatBytes(received)} / ${formatBytes(total)}  ${percent}%`, received >= total);
    },
    count(label, done, total, unit = 'files') {
      const now = Date.now();
      if (!started.has(label)) started.set(label, now);
      const seconds = (now - started.get(label)!) / 1000;
      const counted = `${label}: ${done.toLocaleString('en')} / ${total.toLocaleString('en')} ${unit}`;
      const rate = seconds > 0 ? done / seconds : 0;
      const pace = done >= total ? ` in ${seconds.toFixed(1)} s` : rate > 0 ? ` · ${rate.toFixed(1)}/s · ${Math.ceil((total - done) / rate)} s left` : '';
      update(label, counted + pace, done >= total);
    },
    warn(message) {
      line(`warning: ${message}`);
    },
    line,
  };
}
