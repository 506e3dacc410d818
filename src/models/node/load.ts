import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModelsConfig } from './config.js';
import { ASSETS_DIR } from '../../common/node/paths.js';
import { sha256Hex } from '../../common/node/checksum.js';
import type { ImageEmbedders } from '../shared/embed.js';
import { ImageEmbedder, TextEmbedder } from '../shared/embedders.js';
import type { EncoderRecord, EncoderSpec, ImageEncoderSpec, ModelsConfig, ResolvedEncoder, ResolvedProfile, TextEncoderSpec } from '../shared/manifest.js';

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

/** A model file the index was built with, refused when the local copy differs (its vectors would not match). */
async function readRecordedFile(config: ModelsConfig, record: EncoderRecord<EncoderSpec>, file: string, assetsDir: string): Promise<Uint8Array> {
  if (!config.models[record.model]) throw new Error(`the index was built with model "${record.model}", which config/models.json does not define`);
  const bytes = await readModelFile(config, record.model, file, assetsDir);
  if (sha256Hex(bytes) !== record.files[file]?.sha256) {
    const path = modelFilePath(config, record.model, file, assetsDir);
    throw new Error(`${path} is not the model file this index was built with (checksum differs); rebuild the index or re-run setup`);
  }
  return bytes;
}

/** The encoders an index records (its manifest's `models`). */
export interface RecordedEncoders {
  readonly imageSemantic: EncoderRecord<ImageEncoderSpec>;
  readonly visual: EncoderRecord<ImageEncoderSpec>;
  readonly textSemantic: EncoderRecord<TextEncoderSpec>;
}

/** The image encoders an index was built with. */
export async function loadIndexEmbedders(models: RecordedEncoders, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<ImageEmbedders> {
  const config = loadModelsConfig();
  const load = async (record: EncoderRecord<ImageEncoderSpec>) =>
    ImageEmbedder.load(ort, await readRecordedFile(config, record, record.spec.file, assetsDir), record.spec, sessionOptions(threads));
  return { imageSemantic: await load(models.imageSemantic), visual: await load(models.visual) };
}

/** The text encoder (and tokenizer) an index was built with. */
export async function loadIndexTextEmbedder(models: RecordedEncoders, { assetsDir = ASSETS_DIR, threads = 2 } = {}): Promise<TextEmbedder> {
  const config = loadModelsConfig();
  const record = models.textSemantic;
  const json = async (file: string) => JSON.parse(new TextDecoder().decode(await readRecordedFile(config, record, file, assetsDir))) as object;
  return TextEmbedder.load(
    ort,
    await readRecordedFile(config, record, record.spec.file, assetsDir),
    await json(record.spec.tokenizer),
    (await json(record.spec.tokenizerConfig)) as { pad_token?: string },
    record.spec,
    sessionOptions(threads),
  );
}
