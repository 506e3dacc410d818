import { describe, expect, it } from 'vitest';
import { terminalProgress } from './progress.js';

describe('terminalProgress', () => {
  const capture = (isTTY: boolean) => {
    const chunks: string[] = [];
    const stream = { isTTY, write: (chunk: string) => chunks.push(chunk) } as unknown as NodeJS.WriteStream;
    return { progress: terminalProgress(stream), output: () => chunks.join('') };
  };

  it('on a log, prints a line per finished file and data set, once', () => {
    const { progress, output } = capture(false);
    progress.file('models/a.onnx', 1_000, 2_000_000);
    progress.file('models/a.onnx', 2_000_000, 2_000_000);
    progress.file('models/a.onnx', 2_000_000, 2_000_000);
    for (let done = 1; done <= 500; done++) progress.count('catalog', done, 500);
    progress.warn('careful');
    expect(output()).toMatch(/^models\/a\.onnx  2\.0 MB \/ 2\.0 MB  100%\ncatalog: 500 \/ 500 files in \d+\.\d s\nwarning: careful\n$/);
  });

  it('on a TTY, rewrites one line and clears it before printing a message', () => {
    const { progress, output } = capture(true);
    progress.file('models/a.onnx', 512, 512);
    progress.line('done');
    expect(output()).toBe('\r\x1b[Kmodels/a.onnx  512 B / 512 B  100%\r\x1b[Kdone\n');
  });
});
