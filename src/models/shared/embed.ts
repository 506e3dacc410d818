import { flattenOnWhite, type Pixels } from '../../imaging/shared/image.js';
import { preprocess, type Framing } from '../../imaging/shared/preprocess.js';
import { towerReduction, type Reduction } from '../../imaging/shared/reduction.js';
import { normalize } from '../../vectors/shared/vector.js';
import type { ImageEmbedder } from './embedders.js';

/** The two image towers a photo goes through. */
export interface ImageEmbedders {
  readonly imageSemantic: ImageEmbedder;
  readonly visual: ImageEmbedder;
}

export interface ImageEmbedding {
  readonly semantic: Float32Array;
  readonly visual: Float32Array;
}

export interface TowerInputs {
  readonly semantic: Float32Array;
  readonly visual: Float32Array;
}

/** How far a query photo may be reduced while decoding: to what the larger of the two towers needs (reduction.ts). */
export function queryReduction(encoders: ImageEmbedders, framing: Framing): Reduction {
  return towerReduction([encoders.imageSemantic.spec.preprocess, encoders.visual.spec.preprocess], framing);
}

/** Both towers' inputs from one decoded photo: flattened onto white once, then resampled by each tower. */
export function towerInputs(encoders: ImageEmbedders, image: Pixels, framing: Framing): TowerInputs {
  const rgb = flattenOnWhite(image);
  return { semantic: preprocess(rgb, encoders.imageSemantic.spec.preprocess, framing), visual: preprocess(rgb, encoders.visual.spec.preprocess, framing) };
}

/** Unit-length semantic and visual embeddings of decoded photos, one batch per tower. */
export async function embedImages(encoders: ImageEmbedders, images: readonly Pixels[], framing: Framing): Promise<ImageEmbedding[]> {
  const inputs = images.map((image) => towerInputs(encoders, image, framing));
  const semantic = await encoders.imageSemantic.embed(inputs.map((i) => i.semantic));
  const visual = await encoders.visual.embed(inputs.map((i) => i.visual));
  return images.map((_, i) => ({ semantic: normalize(semantic[i]!), visual: normalize(visual[i]!) }));
}
