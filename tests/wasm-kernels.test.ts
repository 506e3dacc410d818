import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assembledModule, generatedFile, watFiles } from '../scripts/build-wasm.js';

describe('WASM kernels', () => {
  it('the committed bytes are what their .wat source assembles to (npx tsx scripts/build-wasm.ts)', async () => {
    expect(watFiles().length).toBeGreaterThan(0);
    for (const wat of watFiles()) expect(readFileSync(generatedFile(wat), 'utf8')).toBe(await assembledModule(wat));
  });
});
