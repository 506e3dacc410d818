import type { RgbaImage } from '../../imaging/shared/image.js';
import { preprocess, type Framing } from '../../imaging/shared/preprocess.js';
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

/** Unit-length semantic and visual embeddings of decoded photos, one batch per tower. */
export async function embedImages(encoders: ImageEmbedders, images: readonly RgbaImage[], framing: Framing): Promise<ImageEmbedding[]> {
  const semantic = await encoders.imageSemantic.embed(images.map((im) => preprocess(im, encoders.imageSemantic.spec.preprocess, framing)));
  const visual = await encoders.visual.embed(images.map((im) => preprocess(im, encoders.visual.spec.preprocess, framing)));
  return images.map((_, i) => ({ semantic: normalize(semantic[i]!), visual: normalize(visual[i]!) }));
}
