/**
 * A progress line on stderr: redrawn in place on a terminal, a plain line every ~10 % (at most every 5 s) in logs.
 * Shows count, percent, rate and time left.
 */
export class ProgressBar {
  private done = 0;
  private readonly started = performance.now();
  private lastLogged = 0;
  private lastPercentLogged = -10;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'items',
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  tick(count = 1): void {
    this.done += count;
    this.render(false);
  }

  finish(summary?: string): void {
    this.render(true);
    if (this.tty) this.stream.write('\n');
    if (summary) this.stream.write(`${this.label}: ${summary}\n`);
  }

  private render(final: boolean): void {
    const now = performance.now();
    const seconds = (now - this.started) / 1000;
    const percent = this.total === 0 ? 100 : (100 * this.done) / this.total;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const left = rate > 0 ? (this.total - this.done) / rate : 0;
    const text = `${this.label} ${this.done}/${this.total} ${this.unit} ${percent.toFixed(0)}% · ${rate.toFixed(1)}/s · ${
      final ? `${seconds.toFixed(1)} s` : `${left.toFixed(0)} s left`
    }`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * percent) / 100);
      this.stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`);
    } else if (final || percent - this.lastPercentLogged >= 10 || now - this.lastLogged > 5000) {
      this.stream.write(`${text}\n`);
      this.lastLogged = now;
      this.lastPercentLogged = percent;
    }
  }
}
