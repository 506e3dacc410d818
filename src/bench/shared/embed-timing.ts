import type { RgbaImage } from '../../imaging/shared/image.js';
import { preprocess, type Framing } from '../../imaging/shared/preprocess.js';
import type { ImageEmbedder } from '../../models/shared/embedders.js';
import type { EmbedTiming } from './protocol.js';

/**
 * One photo through the app's path — decode, shared pre-processing, both towers — timed stage by stage. Node and
 * the browser differ only in the decoder they pass.
 */
export async function timeEmbedding(decode: () => Promise<RgbaImage>, semantic: ImageEmbedder, visual: ImageEmbedder, framing: Framing): Promise<EmbedTiming> {
  const t0 = performance.now();
  const image = await decode();
  const t1 = performance.now();
  const semanticInput = preprocess(image, semantic.spec.preprocess, framing);
  const visualInput = preprocess(image, visual.spec.preprocess, framing);
  const t2 = performance.now();
  await semantic.embed([semanticInput]);
  const t3 = performance.now();
  await visual.embed([visualInput]);
  const t4 = performance.now();
  return { decodeMs: t1 - t0, preprocessMs: t2 - t1, semanticMs: t3 - t2, visualMs: t4 - t3 };
}
