/**
 * Serves an edited copy of the test index through request routing, as another build of the same catalog would look
 * to the page: products.json (and anything else) changed, and a manifest whose sizes and checksums match the edits.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Route } from '@playwright/test';
import { validateManifest, type ArtifactManifest, type Product } from '../src/artifacts/shared/format.js';
import { TEST_ARTIFACTS_DIR } from '../src/index/node/sample-index.js';
import { sha256Hex } from '../src/common/node/checksum.js';

export const testManifest = (): ArtifactManifest => validateManifest(JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, 'manifest.json'), 'utf8')));
export const testProducts = (): Product[] => JSON.parse(readFileSync(join(TEST_ARTIFACTS_DIR, 'products.json'), 'utf8')) as Product[];


export interface IndexEdit {
  /** Edits products.json (its size and checksum are recomputed). */
  readonly products?: (products: Product[]) => void;
  /** Edits the manifest last (after the products' record was updated): may break it on purpose. */
  readonly manifest?: (manifest: Record<string, any>) => void;
}

/** Routes artifacts/manifest.json and artifacts/products.json to edited copies; returns the edited manifest. */
export async function serveEditedIndex(context: BrowserContext, edit: IndexEdit): Promise<Record<string, any>> {
  const manifest = JSON.parse(JSON.stringify(testManifest())) as Record<string, any>;
  const products = testProducts();
  edit.products?.(products);
  const productBytes = Buffer.from(JSON.stringify(products));
  const record = (manifest.files as { path: string; bytes: number; sha256: string }[]).find((f) => f.path === manifest.products)!;
  record.bytes = productBytes.byteLength;
  record.sha256 = sha256Hex(productBytes);
  manifest.buildId = sha256Hex(Buffer.from(JSON.stringify(manifest.files))).slice(0, 16);
  edit.manifest?.(manifest);
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  await context.route(/\/artifacts\/manifest\.json$/, (route) => fulfillWith(route, manifestBytes));
  await context.route(/\/artifacts\/products\.json$/, (route) => fulfillWith(route, productBytes));
  return manifest;
}

/** Answers with the server's status and headers (isolation, CSP) but other bytes. */
export async function fulfillWith(route: Route, body: Uint8Array): Promise<void> {
  const response = await route.fetch();
  await route.fulfill({ status: response.status(), headers: { ...response.headers(), 'content-length': String(body.byteLength) }, body: Buffer.from(body) });
}
