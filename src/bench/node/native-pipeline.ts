import sharp from 'sharp';
import type { RgbImage } from '../../imaging/shared/image.js';
import { centerCrop, normalizeToChw, resizeSize, type Framing, type PreprocessSpec } from '../../imaging/shared/preprocess.js';
import { requestedSize } from '../../imaging/shared/reduction.js';
import type { ImageEmbedders } from '../../models/shared/embed.js';
import type { PhotoPipeline } from '../shared/embed-timing.js';

const KERNEL = { bicubic: 'cubic', bilinear: 'linear' } as const;

async function towerInput(image: RgbImage, spec: PreprocessSpec, framing: Framing): Promise<Float32Array> {
  const [width, height] = resizeSize(image.width, image.height, spec, framing);
  const data = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(width, height, { fit: 'fill', kernel: KERNEL[spec.resample] })
    .raw()
    .toBuffer();
  return normalizeToChw(centerCrop({ width, height, data }, spec.cropSize, spec.cropSize), spec.mean, spec.std);
}

/**
 * The best pipeline native code offers around onnxruntime-node: sharp decodes the photo straight to the size the
 * towers ask for (JPEG shrink-on-load, then libvips' resize), then resizes it once per tower; only the crop and
 * normalisation of the two 224×224 inputs are TypeScript.
 */
export function sharpPipeline(bytes: Uint8Array, encoders: ImageEmbedders, framing: Framing): PhotoPipeline {
  const towers = [encoders.imageSemantic.spec.preprocess, encoders.visual.spec.preprocess];
  return {
    async decode() {
      const meta = await sharp(bytes).metadata();
      const sideways = (meta.orientation ?? 1) >= 5;
      const [width, height] = requestedSize(sideways ? meta.height : meta.width, sideways ? meta.width : meta.height, towers, framing);
      const { data, info } = await sharp(bytes).rotate().resize(width, height, { fit: 'fill' }).flatten({ background: '#ffffff' }).raw().toBuffer({ resolveWithObject: true });
      return { width: info.width, height: info.height, data };
    },
    async inputs(image) {
      const rgb = image as RgbImage;
      const [semantic, visual] = await Promise.all(towers.map((spec) => towerInput(rgb, spec, framing)));
      return { semantic: semantic!, visual: visual! };
    },
  };
}
