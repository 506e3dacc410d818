import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelsConfig } from '../src/models/node/config.js';
import { ASSETS_DIR } from '../src/common/node/paths.js';
import { loadImageEmbedders, loadTextEmbedder, modelFilePath } from '../src/models/node/load.js';
import { ImageEmbedder, type TextEmbedder } from '../src/models/shared/embedders.js';
import { resolveProfile, type ModelsConfig } from '../src/models/shared/manifest.js';
import { cosine } from '../src/vectors/shared/vector.js';
import { decodeImage } from '../src/imaging/node/decode.js';
import { embedImages } from '../src/models/shared/embed.js';
import { DEMO_IMAGES_DIR } from '../src/index/node/sample-index.js';

const config = loadModelsConfig();

describe('model manifest (config/models.json)', () => {
  it('states the same pre-processing as each model folder’s own preprocessor_config.json', () => {
    for (const ref of ['fashion-clip-mini/vision', 'fashion-cnn-mini/features']) {
      const [model, encoder] = ref.split('/') as [string, string];
      const spec = config.models[model]!.encoders[encoder]!;
      if (spec.kind !== 'image') throw new Error('image encoder expected');
      const hf = JSON.parse(readFileSync(modelFilePath(config, model, 'preprocessor_config.json'), 'utf8'));
      // Hugging Face: resample 3 = bicubic, 2 = bilinear; ConvNext-style crop_pct scales the resize edge up.
      expect(spec.preprocess.resample).toBe({ 2: 'bilinear', 3: 'bicubic' }[hf.resample as 2 | 3]);
      expect(spec.preprocess.resizeShortestEdge).toBe(Math.floor(hf.size.shortest_edge / (hf.crop_pct ?? 1)));
      expect(spec.preprocess.cropSize).toBe(hf.crop_size.height);
      expect(spec.preprocess.mean).toEqual(hf.image_mean);
      expect(spec.preprocess.std).toEqual(hf.image_std);
    }
  });

  it('resolves every profile, and rejects unknown profiles and inconsistent encoders', () => {
    for (const name of Object.keys(config.profiles)) expect(resolveProfile(config, name).models.length).toBeGreaterThan(0);
    expect(() => resolveProfile(config, 'tiny')).toThrow(/unknown model profile "tiny" \(known: mini, arch, production\)/);
    const broken: ModelsConfig = { ...config, profiles: { x: { ...config.profiles.mini!, textSemantic: 'fashion-cnn-mini/features' } } };
    expect(() => resolveProfile(broken, 'x')).toThrow(/is a image encoder, expected text/);
  });

  it('the mini text logit scale is the one the model card states', () => {
    const stated = JSON.parse(readFileSync(modelFilePath(config, 'fashion-clip-mini', 'config.json'), 'utf8')).stand_in.logit_scale_exp;
    const spec = config.models['fashion-clip-mini']!.encoders.text!;
    expect(spec.kind === 'text' && spec.logitScale).toBe(stated);
  });
});

describe('embedders on onnxruntime-node', () => {
  let text: TextEmbedder;
  beforeAll(async () => {
    text = await loadTextEmbedder(config, resolveProfile(config, 'mini').textSemantic);
  });

  it('tokenizes exactly like @huggingface/transformers’ CLIP tokenizer, truncating to 77 with the end token kept', async () => {
    env.localModelPath = join(ASSETS_DIR, 'models') + '/';
    env.allowRemoteModels = false;
    const reference = await AutoTokenizer.from_pretrained('fashion-clip-mini');
    for (const t of ['a photo of a Red floral Dress!', 'Nike Men Air Zoom Century Shoes', "Levi's 501® jeans — 32/34", 'ÉTÉ t-shirt']) {
      expect(text.tokenize(t)).toEqual(Array.from(reference(t).input_ids.data as BigInt64Array, Number));
    }
    const long = text.tokenize('red '.repeat(200));
    expect(long).toHaveLength(77);
    expect(long[76]).toBe(49407);
  });

  it('padding a batch does not change a text’s embedding', async () => {
    const [alone] = await text.embed(['blue jeans']);
    const [padded] = await text.embed(['blue jeans', 'a much longer description of a pair of blue denim jeans for men']);
    expect(cosine(alone!, padded!)).toBeGreaterThan(0.99999);
  });

  it('zero-shot works: a catalog photo is closer to its own category prompt', async () => {
    const embedders = await loadImageEmbedders(config, resolveProfile(config, 'mini'));
    const photo = await decodeImage(new Uint8Array(readFileSync(join(DEMO_IMAGES_DIR, '10000.jpg')))); // a white skirt
    const [image] = await embedImages(embedders, [photo], 'squash');
    const [skirts, watches] = await text.embed(['a photo of a skirts', 'a photo of a watches']);
    expect(cosine(image!.semantic, skirts!)).toBeGreaterThan(cosine(image!.semantic, watches!) + 0.1);
  });

  it('refuses a model whose output width differs from the manifest, naming both', async () => {
    const spec = config.models['fashion-cnn-mini']!.encoders.features!;
    if (spec.kind !== 'image') throw new Error('image encoder expected');
    const bytes = new Uint8Array(readFileSync(modelFilePath(config, 'fashion-cnn-mini', spec.file)));
    const wrong = await ImageEmbedder.load(ort, bytes, { ...spec, dim: 2048 });
    await expect(wrong.embed([new Float32Array(3 * 224 * 224)])).rejects.toThrow(/output width is 512, but the model manifest says 2048/);
    await expect(ImageEmbedder.load(ort, bytes, { ...spec, output: 'logits' })).rejects.toThrow(/the graph has no tensor "logits" \(it has features\)/);
  });
});
