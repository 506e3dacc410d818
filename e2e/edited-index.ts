/**
 * Serves an edited copy of the test catalog as the page reads it (the compact conversion of the test index),
 * through request routing or written into a copy of the build, as another build of the same catalog would look to
 * the page: products changed in their cells, and a manifest whose sizes and checksums match the edits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Route } from '@playwright/test';
import { decodeCell, encodeCell, type CellProduct } from '../src/artifacts/shared/cells.js';
import { validateCompactManifest, type CompactManifest } from '../src/artifacts/shared/compact.js';
import { MANIFEST_FILE } from '../src/artifacts/shared/format.js';
import { TEST_PAGE_DIR } from '../src/index/node/sample-index.js';
import { sha256Hex } from '../src/common/node/checksum.js';

export const testManifest = (): CompactManifest => validateCompactManifest(JSON.parse(readFileSync(join(TEST_PAGE_DIR, MANIFEST_FILE), 'utf8')));

/** A product of the test catalog as its cell holds it (mutable, for edits). */
export type TestProduct = { -readonly [K in keyof CellProduct]: CellProduct[K] };

/** Every product of the test catalog, cell by cell. */
export function testProducts(): TestProduct[] {
  return testManifest().cells.flatMap((cell) => cellOf(cell.file).products.map((p) => ({ ...p })));
}

function cellOf(file: string) {
  return decodeCell(new Uint8Array(readFileSync(join(TEST_PAGE_DIR, file))), file);
}

export interface IndexEdit {
  /** Edits the products (the cells that change are encoded again, their sizes and checksums recomputed). */
  readonly products?: (products: TestProduct[]) => void;
  /** Edits the manifest last (after the cells' records were updated): may break it on purpose. */
  readonly manifest?: (manifest: Record<string, any>) => void;
}

/** The edited build: its manifest and the files that differ from the test catalog's, by path under artifacts/. */
export function editedBuild(edit: IndexEdit): { manifest: Record<string, any>; files: Map<string, Uint8Array> } {
  const manifest = JSON.parse(JSON.stringify(testManifest())) as Record<string, any>;
  const cells = (manifest.cells as { file: string }[]).map(({ file }) => ({ file, content: cellOf(file) }));
  const products = cells.map(({ content }) => content.products.map((p) => ({ ...p })));
  edit.products?.(products.flat());
  const files = new Map<string, Uint8Array>();
  cells.forEach(({ file, content }, c) => {
    if (JSON.stringify(products[c]) === JSON.stringify(content.products)) return;
    const bytes = encodeCell({ ...content, products: products[c]! });
    const record = (manifest.files as { path: string; bytes: number; sha256: string }[]).find((f) => f.path === file)!;
    Object.assign(record, { bytes: bytes.byteLength, sha256: sha256Hex(bytes) });
    files.set(file, bytes);
  });
  manifest.buildId = sha256Hex(Buffer.from(JSON.stringify(manifest.files))).slice(0, 16);
  edit.manifest?.(manifest);
  return { manifest, files };
}

/** Routes artifacts/manifest.json and the edited cells to the edited copies; returns the edited manifest. */
export async function serveEditedIndex(context: BrowserContext, edit: IndexEdit): Promise<Record<string, any>> {
  const { manifest, files } = editedBuild(edit);
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await context.route(/\/artifacts\/manifest\.json$/, (route) => fulfillWith(route, manifestBytes));
  for (const [path, bytes] of files) await context.route(new RegExp(`/artifacts/${path.replace(/[.]/g, '\\.')}$`), (route) => fulfillWith(route, bytes));
  return manifest;
}

/** Answers with the server's status and headers (isolation, CSP) but other bytes. */
export async function fulfillWith(route: Route, body: Uint8Array): Promise<void> {
  const response = await route.fetch();
  await route.fulfill({ status: response.status(), headers: { ...response.headers(), 'content-length': String(body.byteLength) }, body: Buffer.from(body) });
}
