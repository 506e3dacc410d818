import sharp from 'sharp';
import { seededRandom } from '../../vectors/shared/random.js';

export interface PhonePhotoOptions {
  /** Upright size, as the shopper sees the photo. */
  readonly width: number;
  readonly height: number;
  /** Stored sideways with EXIF orientation 6 (rotate 90° clockwise to view), as phones store portrait shots. */
  readonly sideways: boolean;
  readonly quality: number;
  /** Sensor-like grain (standard deviation, in 8-bit levels): fine detail that makes the file as large as a phone's. */
  readonly grain: number;
  readonly seed: number;
}

const PHONE: PhonePhotoOptions = { width: 3024, height: 4032, sideways: true, quality: 95, grain: 6, seed: 1 };

/**
 * A phone-camera JPEG made from a photo file (no binary photos are committed): resized to a phone's size, with
 * deterministic grain, stored the way the camera stores it. The default is a 12-megapixel portrait shot (stored
 * 4032×3024 + EXIF orientation 6), a few MB like the real thing.
 */
export async function phonePhoto(source: string, options: Partial<PhonePhotoOptions> = {}): Promise<Buffer> {
  const o = { ...PHONE, ...options };
  const upright = await sharp(source).rotate().resize(o.width, o.height, { fit: 'fill', kernel: 'lanczos3' }).removeAlpha().raw().toBuffer();
  const grained = Buffer.allocUnsafe(upright.length);
  const random = seededRandom(o.seed);
  // Gaussian grain from a table (Box–Muller once per entry), indexed by the seeded generator: fast for 36M values.
  const table = Int16Array.from({ length: 1 << 16 }, () => Math.round(Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()) * o.grain));
  for (let i = 0; i < upright.length; i++) {
    const v = upright[i]! + table[Math.floor(random() * 65536)]!;
    grained[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  let image = sharp(grained, { raw: { width: o.width, height: o.height, channels: 3 } });
  // Stored sideways: the sensor's landscape pixels (upright rotated 90° anticlockwise) and orientation 6.
  if (o.sideways) image = sharp(await image.rotate(-90).raw().toBuffer(), { raw: { width: o.height, height: o.width, channels: 3 } });
  return image.jpeg({ quality: o.quality, chromaSubsampling: '4:2:0' }).withMetadata({ orientation: o.sideways ? 6 : 1 }).toBuffer();
}
