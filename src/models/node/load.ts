import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { ASSETS_DIR } from '../../assets/node/paths.js';
import type { ImageEmbedders } from '../shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../shared/embedders.js';
import type { ModelsConfig, ResolvedEncoder, ResolvedProfile, ImageEncoderSpec, TextEncoderSpec } from '../shared/manifest.js';

export function modelFilePath(config: ModelsConfig, model: string, file: string, assetsDir = ASSETS_DIR): string {
  return join(assetsDir, config.models[model]!.mirror, file);
}

async function readModelFile(config: ModelsConfig, model: string, file: string, assetsDir: string): Promise<Uint8Array> {
  const path = modelFilePath(config, model, file, assetsDir);
  try {
    return new Uint8Array(await readFile(path));
  } catch {
    throw new Error(`model file ${path} is missing — run: npm run setup`);
  }
}

function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
}

export async function loadImageEmbedder(
  config: ModelsConfig,
  enc: ResolvedEncoder<ImageEncoderSpec>,
  { threads = 1, assetsDir = ASSETS_DIR } = {},
): Promise<ImageEmbedder> {
  return ImageEmbedder.load(ort, await readModelFile(config, enc.model, enc.spec.file, assetsDir), enc.spec, sessionOptions(threads));
}

export async function loadImageEmbedders(config: ModelsConfig, profile: ResolvedProfile, options: { threads?: number; assetsDir?: string } = {}): Promise<ImageEmbedders> {
  return {
    imageSemantic: await loadImageEmbedder(config, profile.imageSemantic, options),
    visual: await loadImageEmbedder(config, profile.visual, options),
  };
}

export async function loadTextEmbedder(
  config: ModelsConfig,
  enc: ResolvedEncoder<TextEncoderSpec>,
  { threads = 1, assetsDir = ASSETS_DIR } = {},
): Promise<TextEmbedder> {
  const json = async (file: string) => JSON.parse(new TextDecoder().decode(await readModelFile(config, enc.model, file, assetsDir))) as object;
  return TextEmbedder.load(
    ort,
    await readModelFile(config, enc.model, enc.spec.file, assetsDir),
    await json(enc.spec.tokenizer),
    (await json(enc.spec.tokenizerConfig)) as { pad_token?: string },
    enc.spec,
    sessionOptions(threads),
  );
}
