import type { Pixels } from '../../imaging/shared/image.js';
import type { Framing } from '../../imaging/shared/preprocess.js';
import type { Reduction } from '../../imaging/shared/reduction.js';
import { queryReduction, towerInputs, type ImageEmbedders, type TowerInputs } from '../../models/shared/embed.js';
import type { EmbedTiming } from './protocol.js';

/** Decode and pre-process, as one contender does them. */
export interface PhotoPipeline {
  decode(reduction: Reduction): Promise<Pixels>;
  inputs(image: Pixels): TowerInputs | Promise<TowerInputs>;
}

/** The app's own pipeline around a decoder: the reduced photo shared by both towers' shared pre-processing. */
export function appPipeline(encoders: ImageEmbedders, framing: Framing, decode: (reduction: Reduction) => Promise<Pixels>): PhotoPipeline {
  return { decode, inputs: (image) => towerInputs(encoders, image, framing) };
}

/** One photo through a pipeline and both towers (batch of one), timed stage by stage. */
export async function timeEmbedding(pipeline: PhotoPipeline, encoders: ImageEmbedders, framing: Framing): Promise<EmbedTiming> {
  const t0 = performance.now();
  const image = await pipeline.decode(queryReduction(encoders, framing));
  const t1 = performance.now();
  const inputs = await pipeline.inputs(image);
  const t2 = performance.now();
  await encoders.imageSemantic.embed([inputs.semantic]);
  const t3 = performance.now();
  await encoders.visual.embed([inputs.visual]);
  const t4 = performance.now();
  return { decodeMs: t1 - t0, preprocessMs: t2 - t1, semanticMs: t3 - t2, visualMs: t4 - t3 };
}
