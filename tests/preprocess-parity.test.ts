import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AutoImageProcessor, env, RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelsConfig } from '../src/models/node/config.js';
import { ASSETS_DIR } from '../src/common/node/paths.js';
import { decodeForTowers, decodeImage } from '../src/imaging/node/decode.js';
import { rgbaToRgbOnWhite, type RgbImage } from '../src/imaging/shared/image.js';
import { preprocess, REDUCING_GAP, resizeSize, shortestEdgeSize, type Framing } from '../src/imaging/shared/preprocess.js';
import { draftFactor, reducedSize, requestedSize, towerReduction } from '../src/imaging/shared/reduction.js';
import { flattenOnWhite } from '../src/imaging/shared/image.js';
import { embedImages } from '../src/models/shared/embed.js';
import { phonePhoto } from '../src/bench/node/phone-photo.js';
import { reduce, reducingFactors, resize, type Resample } from '../src/imaging/shared/resample.js';
import { loadImageEmbedders } from '../src/models/node/load.js';
import { resolveProfile } from '../src/models/shared/manifest.js';
import type { ImageEmbedders } from '../src/models/shared/embed.js';
import { seededRandom } from '../src/vectors/shared/random.js';
import { cosine } from '../src/vectors/shared/vector.js';
import { DEMO_IMAGES_DIR, QUERY_IMAGES_DIR } from '../src/index/node/sample-index.js';

const PYTHON = '/usr/bin/python3';
const models = loadModelsConfig();
const profile = resolveProfile(models, 'mini');
const specs = { imageSemantic: profile.imageSemantic.spec.preprocess, visual: profile.visual.spec.preprocess };
let work: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'vitrine-parity-'));
  try {
    execFileSync(PYTHON, ['-c', 'import PIL']);
  } catch {
    throw new Error('these tests compare against Pillow: install it with `apt-get install -y python3-pil` (.ci/run does)');
  }
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

function pillow(src: RgbImage, ...args: (string | number)[]): Uint8Array {
  writeFileSync(join(work, 'in.raw'), src.data);
  execFileSync(PYTHON, [join(import.meta.dirname, 'helpers/pillow.py'), join(work, 'in.raw'), ...[src.width, src.height, ...args, join(work, 'out.raw')].map(String)]);
  return new Uint8Array(readFileSync(join(work, 'out.raw')));
}

/** Pillow's `Image.resize((width, height), resample[, reducing_gap=gap])`. */
function pillowResize(src: RgbImage, width: number, height: number, resample: Resample, gap?: number): Uint8Array {
  writeFileSync(join(work, 'in.raw'), src.data);
  const args = [join(work, 'in.raw'), src.width, src.height, width, height, resample, join(work, 'out.raw'), ...(gap === undefined ? [] : [gap])].map(String);
  execFileSync(PYTHON, [join(import.meta.dirname, 'helpers/pillow.py'), ...args]);
  return new Uint8Array(readFileSync(join(work, 'out.raw')));
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

async function rgbOf(path: string): Promise<RgbImage> {
  return rgbaToRgbOnWhite(await decodeImage(new Uint8Array(readFileSync(path))));
}

function noise(width: number, height: number, seed: number): RgbImage {
  const random = seededRandom(seed);
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(random() * 256)) };
}

describe('resampling is bit-exact with Pillow', () => {
  const photos = {
    'catalog 224x224': join(DEMO_IMAGES_DIR, '10000.jpg'),
    'query 900x1200': join(QUERY_IMAGES_DIR, '10000.jpg'),
    'query 75x100 (upscaled)': join(QUERY_IMAGES_DIR, '10250.jpg'),
  };
  const targets: [string, (w: number, h: number) => [number, number], Resample][] = [
    ['CLIP: shortest edge 224, bicubic', (w, h) => shortestEdgeSize(w, h, 224), 'bicubic'],
    ['CNN: shortest edge 256, bilinear', (w, h) => shortestEdgeSize(w, h, 256), 'bilinear'],
    ['squash to 224x224, bicubic', () => [224, 224], 'bicubic'],
  ];
  for (const [name, path] of Object.entries(photos)) {
    for (const [target, size, resample] of targets) {
      it(`${name} → ${target}`, async () => {
        const src = await rgbOf(path);
        const [w, h] = size(src.width, src.height);
        expect(Buffer.from(resize(src, w, h, resample).data).equals(Buffer.from(pillowResize(src, w, h, resample)))).toBe(true);
      });
    }
  }
  it('random noise at odd sizes, up and down', () => {
    for (const [w, h, ow, oh, r] of [[37, 53, 224, 320, 'bicubic'], [501, 303, 97, 59, 'bilinear'], [1000, 7, 13, 3, 'bicubic']] as const) {
      const src = noise(w, h, w * h);
      expect(Buffer.from(resize(src, ow, oh, r).data).equals(Buffer.from(pillowResize(src, ow, oh, r)))).toBe(true);
    }
  });

  it("box reduction is Pillow's Image.reduce for every factor shape, remainders included", () => {
    // 1×N, N×1, Pillow's special cases 2×2 to 5×5, the general N×M; sizes that leave a partial last row and column.
    const cases = [[40, 9, 1, 3], [9, 40, 3, 1], [64, 63, 1, 2], [64, 64, 2, 1], [11, 7, 2, 2], [10, 10, 3, 3], [23, 17, 4, 4], [26, 31, 5, 5], [30, 30, 6, 6], [101, 77, 7, 6], [97, 89, 9, 13]];
    for (const [w, h, fx, fy] of cases as [number, number, number, number][]) {
      const src = noise(w, h, w * 7 + h);
      expect(same(reduce(src, fx, fy).data, pillow(src, 'reduce', fx, fy)), `${w}x${h} by ${fx}x${fy}`).toBe(true);
    }
  });

  it('a large photo is reduced then resampled exactly as Pillow resize(..., reducing_gap=3) does', () => {
    // Noise (the hardest case for rounding) and a real photo blown up, both ≥ 3× the model input in each dimension.
    const photo = resize(noise(30, 40, 1), 2000, 2700, 'bicubic');
    for (const [src, w, h, r] of [
      [noise(2400, 3200, 5600), 256, 341, 'bilinear'],
      [noise(2001, 1333, 3334), 224, 149, 'bicubic'],
      [photo, 224, 224, 'bicubic'],
      [photo, 256, 341, 'bilinear'],
    ] as [RgbImage, number, number, Resample][]) {
      const factors = reducingFactors(src.width, src.height, w, h, REDUCING_GAP);
      expect(factors[0] * factors[1], 'the case must exercise the reduction').toBeGreaterThan(1);
      expect(same(resize(src, w, h, r, REDUCING_GAP).data, pillowResize(src, w, h, r, REDUCING_GAP)), `${src.width}x${src.height} → ${w}x${h} ${r}`).toBe(true);
    }
  });

  it('the reduction flattens alpha onto white pixel by pixel, as rgbaToRgbOnWhite does before a resize', () => {
    const random = seededRandom(42);
    const rgba = { width: 1200, height: 900, data: Uint8Array.from({ length: 1200 * 900 * 4 }, (_, i) => (i % 4 === 3 && random() < 0.7 ? 255 : Math.floor(random() * 256))) };
    expect(same(resize(rgba, 224, 224, 'bicubic', 2).data, resize(rgbaToRgbOnWhite(rgba), 224, 224, 'bicubic', 2).data)).toBe(true);
  });

  it('photos under 3× the model input (catalog shots, 900×1200 query photos) are not reduced: plain Pillow resize', async () => {
    const src = await rgbOf(join(QUERY_IMAGES_DIR, '10000.jpg'));
    for (const [w, h] of [[224, 224], [256, 256], shortestEdgeSize(src.width, src.height, 224), shortestEdgeSize(src.width, src.height, 256)] as [number, number][]) {
      expect(reducingFactors(src.width, src.height, w, h, REDUCING_GAP)).toEqual([1, 1]);
    }
  });
});

/**
 * Query photos are decoded no larger than the towers need (src/imaging/shared/reduction.ts): a JPEG at 1/2, 1/4 or
 * 1/8 by libjpeg's DCT scaling. Pillow does the same with Image.draft, so the whole query path — reduced decode,
 * EXIF rotation, each tower's resize — is checked against Pillow bit for bit, and what the reduction costs is
 * measured against decoding every pixel.
 */
describe('query photos decode reduced, as Pillow drafts them', () => {
  const towers = [specs.imageSemantic, specs.visual];
  const sizeOf = async (bytes: Uint8Array) => {
    const meta = await sharp(bytes).metadata();
    return { width: meta.width, height: meta.height };
  };

  /** Pillow: open, draft for the size our code requests, exif_transpose, resize(reducing_gap=3); and the draft size. */
  function pillowDraft(path: string, request: readonly [number, number], width: number, height: number, resample: Resample): { size: string; pixels: Uint8Array } {
    const out = join(work, 'draft.raw');
    const size = execFileSync(PYTHON, [join(import.meta.dirname, 'helpers/pillow.py'), 'draft', path, ...[...request, width, height, resample, out].map(String)], { encoding: 'utf8' }).trim();
    return { size, pixels: new Uint8Array(readFileSync(out)) };
  }

  async function expectPillowDraft(path: string, framing: Framing, factor: number): Promise<void> {
    const bytes = new Uint8Array(readFileSync(path));
    const stored = await sizeOf(bytes);
    expect(towerReduction(towers, framing)(stored), `factor for ${stored.width}x${stored.height}`).toBe(factor);
    const reduced = flattenOnWhite(await decodeForTowers(bytes, path, towerReduction(towers, framing)));
    for (const spec of towers) {
      const [w, h] = resizeSize(reduced.width, reduced.height, spec, framing);
      const theirs = pillowDraft(path, requestedSize(stored.width, stored.height, towers, framing), w, h, spec.resample);
      expect(theirs.size, 'Pillow drafts the same scale').toBe(reducedSize(stored.width, stored.height, factor).join('x'));
      expect(same(resize(reduced, w, h, spec.resample, REDUCING_GAP).data, theirs.pixels), `${framing} ${w}x${h} ${spec.resample}`).toBe(true);
    }
  }

  it('a 12-megapixel phone photo stored sideways decodes at 1/8, upright, and each tower resizes it as Pillow does', async () => {
    const path = join(work, 'phone.jpg');
    writeFileSync(path, await phonePhoto(join(QUERY_IMAGES_DIR, '12333.jpg')));
    expect(await sizeOf(new Uint8Array(readFileSync(path)))).toEqual({ width: 4032, height: 3024 });
    await expectPillowDraft(path, 'squash', 8);
    await expectPillowDraft(path, 'crop', 8);
  });

  it('a 900×1200 query photo decodes at 1/2; 540×720 photos and catalog shots are decoded whole', async () => {
    await expectPillowDraft(join(QUERY_IMAGES_DIR, '10000.jpg'), 'squash', 2);
    const whole = towerReduction(towers, 'squash');
    expect([whole({ width: 540, height: 720 }), whole({ width: 224, height: 224 }), whole({ width: 75, height: 100 })]).toEqual([1, 1, 1]);
    // Pillow's draft rule: the largest of 8, 4, 2, 1 that keeps both sides at least the request.
    expect([draftFactor(4032, 3024, [320, 320]), draftFactor(4032, 3024, [512, 512]), draftFactor(639, 5000, [320, 320]), draftFactor(640, 640, [320, 320])]).toEqual([8, 4, 1, 2]);
  });

  it('other formats are box-reduced by the same factor after decoding (Pillow reduce): a large PNG', async () => {
    const png = await sharp(join(QUERY_IMAGES_DIR, '10000.jpg')).resize(1800, 2400).png().toBuffer();
    const reduced = await decodeForTowers(new Uint8Array(png), 'large.png', towerReduction(towers, 'squash'));
    const full = rgbaToRgbOnWhite(await decodeImage(new Uint8Array(png)));
    expect([reduced.width, reduced.height]).toEqual([450, 600]);
    expect(same(flattenOnWhite(reduced).data, pillow(full, 'reduce', 4, 4))).toBe(true);
  });

  it('what the reduction costs: embeddings within cosine 0.999 of decoding every pixel (phone shots and hires photos)', async () => {
    const embedders = await loadImageEmbedders(models, profile, { threads: 1 });
    const worst = { semantic: 1, visual: 1 };
    const photos = readdirSync(QUERY_IMAGES_DIR).filter((f) => f !== '10250.jpg').sort().filter((_, i) => i % 20 === 0);
    for (const [i, f] of photos.entries()) {
      const source = join(QUERY_IMAGES_DIR, f);
      // Every other one as a 12-megapixel phone shot (1/8), the rest as they are (900×1200: 1/2).
      const bytes = i % 2 === 0 ? new Uint8Array(await phonePhoto(source, { seed: i })) : new Uint8Array(readFileSync(source));
      const reduced = await decodeForTowers(bytes, f, towerReduction(towers, 'squash'));
      const [ours, every] = await embedImages(embedders, [reduced, await decodeImage(bytes)], 'squash');
      worst.semantic = Math.min(worst.semantic, cosine(ours!.semantic, every!.semantic));
      worst.visual = Math.min(worst.visual, cosine(ours!.visual, every!.visual));
    }
    expect(photos.length).toBeGreaterThanOrEqual(10);
    expect(worst.semantic).toBeGreaterThanOrEqual(0.999);
    expect(worst.visual).toBeGreaterThanOrEqual(0.999);
    expect(Math.min(worst.semantic, worst.visual), 'the reduction must change something, or this test proves nothing').toBeLessThan(1 - 1e-6);
  });
});

/**
 * An implementation nobody here wrote: @huggingface/transformers' image processors, configured by the models'
 * own preprocessor_config.json. Where no resampling happens the two must agree to float rounding. Where they
 * resample they differ by design: transformers.js in Node resizes with libvips' affine transform, which samples
 * without an antialiasing filter, while we follow Pillow (what the Python CLIP pipeline does). So on real photos
 * we require the embeddings, not the pixels, to agree, and we show the difference is their aliasing.
 */
describe('pre-processing matches @huggingface/transformers', () => {
  type Processor = (image: RawImage) => Promise<{ pixel_values: { data: Float32Array } }>;
  let processors: Record<keyof typeof specs, Processor>;
  let embedders: ImageEmbedders;

  beforeAll(async () => {
    env.localModelPath = join(ASSETS_DIR, 'models') + '/';
    env.allowRemoteModels = false;
    processors = {
      imageSemantic: (await AutoImageProcessor.from_pretrained('fashion-clip-mini')) as unknown as Processor,
      visual: (await AutoImageProcessor.from_pretrained('fashion-cnn-mini')) as unknown as Processor,
    };
    embedders = await loadImageEmbedders(models, profile, { threads: 1 });
  });

  async function theirs(kind: keyof typeof specs, path: string): Promise<Float32Array> {
    return Float32Array.from((await processors[kind](await RawImage.read(path))).pixel_values.data);
  }

  function maxAbsDiff(a: Float32Array, b: Float32Array): number {
    expect(a.length).toBe(b.length);
    return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
  }

  it('CLIP: a photo already at the target size (no resampling) gives the same tensor to 1e-5', async () => {
    for (const id of ['10000', '10001', '10004']) {
      const path = join(DEMO_IMAGES_DIR, `${id}.jpg`);
      const ours = preprocess(await decodeImage(new Uint8Array(readFileSync(path))), specs.imageSemantic, 'crop');
      expect(maxAbsDiff(ours, await theirs('imageSemantic', path))).toBeLessThan(1e-5);
    }
  });

  it('CNN: resize-to-256 rule, odd center crop offset and ImageNet normalisation agree when no resampling happens', async () => {
    // A lossless 256x341 photo: the processor's resize (shortest edge 224/0.875 = 256) is then a no-op and its
    // 224 crop starts at row floor((341-224)/2) = 58, like ours.
    const src = await rgbOf(join(QUERY_IMAGES_DIR, '10000.jpg'));
    const small = resize(src, 256, 341, 'bilinear');
    const path = join(work, 'cnn-256x341.png');
    await sharp(Buffer.from(small.data), { raw: { width: 256, height: 341, channels: 3 } }).png().toFile(path);
    const ours = preprocess(await decodeImage(new Uint8Array(readFileSync(path))), specs.visual, 'crop');
    expect(maxAbsDiff(ours, await theirs('visual', path))).toBeLessThan(1e-5);
  });

  it('on real query photos the embeddings agree (median cosine ≥ 0.999, every photo ≥ 0.95)', async () => {
    const photos = readdirSync(QUERY_IMAGES_DIR).filter((f) => f !== '10250.jpg').slice(0, 40);
    for (const kind of ['imageSemantic', 'visual'] as const) {
      const cosines: number[] = [];
      for (const f of photos) {
        const path = join(QUERY_IMAGES_DIR, f);
        const ours = preprocess(await decodeImage(new Uint8Array(readFileSync(path))), specs[kind], 'crop');
        const [a, b] = await embedders[kind].embed([ours, await theirs(kind, path)]);
        cosines.push(cosine(a!, b!));
      }
      cosines.sort((x, y) => x - y);
      expect(cosines[Math.floor(cosines.length / 2)]).toBeGreaterThanOrEqual(0.999);
      expect(cosines[0]).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('where they differ, it is transformers.js aliasing: fine stripes shrunk 4x turn into a moiré there, an even grey here', async () => {
    // One white column in three: a 4x point-sampling downscale lands on white every third output column.
    const size = 896;
    const stripes = new Uint8Array(size * size * 3).map((_, i) => ((Math.floor(i / 3) % size) % 3 === 0 ? 255 : 0));
    const path = join(work, 'stripes.png');
    await sharp(Buffer.from(stripes), { raw: { width: size, height: size, channels: 3 } }).png().toFile(path);
    const spread = (t: Float32Array) => {
      const plane = t.subarray(0, 224 * 224);
      const mean = plane.reduce((s, v) => s + v, 0) / plane.length;
      return Math.sqrt(plane.reduce((s, v) => s + (v - mean) ** 2, 0) / plane.length);
    };
    const ours = preprocess(await decodeImage(new Uint8Array(readFileSync(path))), specs.imageSemantic, 'crop');
    const them = await theirs('imageSemantic', path);
    expect(spread(ours)).toBeLessThan(0.05); // a flat grey, as a low-pass resize should give
    expect(spread(them)).toBeGreaterThan(0.5); // aliased: a full-contrast pattern that is not in the photo
  });
});
