import type { PreprocessSpec } from '../../imaging/shared/preprocess.js';

/** A file a model needs. `null` size/hash: not pinned in config, recorded on first download (trust on first use). */
export interface ModelFileSpec {
  readonly bytes: number | null;
  readonly sha256: string | null;
}

export interface ImageEncoderSpec {
  readonly kind: 'image';
  readonly file: string;
  /** Tensor names; `null` = the graph's only input/output (exports differ in naming). */
  readonly input: string | null;
  readonly output: string | null;
  /** Expected embedding width; checked against the graph's real output at load. */
  readonly dim: number;
  readonly preprocess: PreprocessSpec;
}

export interface TextEncoderSpec {
  readonly kind: 'text';
  readonly file: string;
  readonly tokenizer: string;
  readonly tokenizerConfig: string;
  readonly inputIds: string;
  readonly attentionMask: string | null;
  readonly output: string;
  readonly maxLength: number;
  readonly dim: number;
  /** exp(logit_scale): multiplies cosines before the zero-shot softmax. */
  readonly logitScale: number;
}

export type EncoderSpec = ImageEncoderSpec | TextEncoderSpec;

export interface HubSource {
  readonly repo: string;
  readonly revision: string;
}

export interface ModelSpec {
  /** Path of the model folder inside an asset mirror. */
  readonly mirror: string;
  readonly hub: HubSource | null;
  readonly files: Readonly<Record<string, ModelFileSpec>>;
  readonly encoders: Readonly<Record<string, EncoderSpec>>;
}

export interface ProfileSpec {
  readonly description: string;
  readonly meaningless?: boolean;
  /** "model/encoder" references. */
  readonly imageSemantic: string;
  readonly textSemantic: string;
  readonly visual: string;
}

export interface ModelsConfig {
  readonly profiles: Readonly<Record<string, ProfileSpec>>;
  readonly models: Readonly<Record<string, ModelSpec>>;
}

export interface ResolvedEncoder<S extends EncoderSpec> {
  readonly model: string;
  readonly name: string;
  readonly spec: S;
}

export interface ResolvedProfile {
  readonly name: string;
  readonly spec: ProfileSpec;
  readonly imageSemantic: ResolvedEncoder<ImageEncoderSpec>;
  readonly textSemantic: ResolvedEncoder<TextEncoderSpec>;
  readonly visual: ResolvedEncoder<ImageEncoderSpec>;
  /** Every model folder the profile touches, with the files it needs. */
  readonly models: readonly string[];
}

function encoderRef<K extends EncoderSpec['kind']>(
  config: ModelsConfig,
  ref: string,
  kind: K,
): ResolvedEncoder<Extract<EncoderSpec, { kind: K }>> {
  const [model, name, ...rest] = ref.split('/');
  const spec = model && name && rest.length === 0 ? config.models[model]?.encoders[name] : undefined;
  if (!spec) throw new Error(`model config: encoder "${ref}" is not defined`);
  if (spec.kind !== kind) throw new Error(`model config: encoder "${ref}" is a ${spec.kind} encoder, expected ${kind}`);
  if (!(spec.file in config.models[model!]!.files)) {
    throw new Error(`model config: encoder "${ref}" uses ${spec.file}, which is not in the files of ${model}`);
  }
  return { model: model!, name: name!, spec: spec as Extract<EncoderSpec, { kind: K }> };
}

export function resolveProfile(config: ModelsConfig, name: string): ResolvedProfile {
  const spec = config.profiles[name];
  if (!spec) {
    throw new Error(`unknown model profile "${name}" (known: ${Object.keys(config.profiles).join(', ')})`);
  }
  const imageSemantic = encoderRef(config, spec.imageSemantic, 'image');
  const textSemantic = encoderRef(config, spec.textSemantic, 'text');
  const visual = encoderRef(config, spec.visual, 'image');
  if (imageSemantic.spec.dim !== textSemantic.spec.dim) {
    throw new Error(
      `profile "${name}": image (${imageSemantic.spec.dim}) and text (${textSemantic.spec.dim}) semantic encoders must share one space`,
    );
  }
  const models = [...new Set([imageSemantic.model, textSemantic.model, visual.model])];
  return { name, spec, imageSemantic, textSemantic, visual, models };
}

/** An encoder as an index records it: which model, and the checksums of the files the build used. */
export interface EncoderRecord<S> {
  readonly model: string;
  readonly encoder: string;
  readonly spec: S;
  /** Files of the model folder this encoder needs (model, tokenizer), pinned by what the build used. */
  readonly files: Readonly<Record<string, Required<{ [K in keyof ModelFileSpec]: NonNullable<ModelFileSpec[K]> }>>>;
}
