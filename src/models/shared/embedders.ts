import type { InferenceSession, Tensor } from 'onnxruntime-common';
import { Tokenizer } from '@huggingface/tokenizers';
import type { ImageEncoderSpec, TextEncoderSpec } from './manifest.js';

/** Where onnxruntime-web runs the models in the browser. */
export type Backend = 'webgpu' | 'wasm';

/** The part of onnxruntime that both onnxruntime-node and onnxruntime-web export: the encoders run on either. */
export interface OrtRuntime {
  readonly InferenceSession: {
    create(model: Uint8Array, options?: InferenceSession.SessionOptions): Promise<InferenceSession>;
  };
  readonly Tensor: typeof Tensor;
}

function soleName(names: readonly string[], what: string, file: string): string {
  if (names.length !== 1) throw new Error(`${file}: expected one ${what}, the graph has ${names.join(', ')}`);
  return names[0]!;
}

function splitRows(data: Float32Array, rows: number, dim: number): Float32Array[] {
  return Array.from({ length: rows }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}

function checkOutput(tensor: Tensor, rows: number, expectedDim: number, file: string): Float32Array {
  const [n, dim] = tensor.dims;
  if (tensor.type !== 'float32' || tensor.dims.length !== 2 || n !== rows) {
    throw new Error(`${file}: output has type ${tensor.type} and shape [${tensor.dims.join(',')}], expected float32 [${rows},${expectedDim}]`);
  }
  if (dim !== expectedDim) {
    throw new Error(`${file}: output width is ${dim}, but the model manifest says ${expectedDim}`);
  }
  return tensor.data as Float32Array;
}

/** An image tower: preprocessed `[3,H,W]` inputs in, raw (unnormalised) embeddings out. */
export class ImageEmbedder {
  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: InferenceSession,
    readonly spec: ImageEncoderSpec,
    private readonly inputName: string,
    private readonly outputName: string,
  ) {}

  static async load(
    ort: OrtRuntime,
    model: Uint8Array,
    spec: ImageEncoderSpec,
    options?: InferenceSession.SessionOptions,
  ): Promise<ImageEmbedder> {
    const session = await ort.InferenceSession.create(model, options);
    const inputName = spec.input ?? soleName(session.inputNames, 'input', spec.file);
    const outputName = spec.output ?? soleName(session.outputNames, 'output', spec.file);
    for (const [name, names] of [[inputName, session.inputNames], [outputName, session.outputNames]] as const) {
      if (!names.includes(name)) throw new Error(`${spec.file}: the graph has no tensor "${name}" (it has ${names.join(', ')})`);
    }
    return new ImageEmbedder(ort, session, spec, inputName, outputName);
  }

  async embed(inputs: readonly Float32Array[]): Promise<Float32Array[]> {
    const size = this.spec.preprocess.cropSize;
    const plane = 3 * size * size;
    const batch = new Float32Array(inputs.length * plane);
    inputs.forEach((input, i) => {
      if (input.length !== plane) throw new RangeError(`input ${i} has ${input.length} values, expected ${plane}`);
      batch.set(input, i * plane);
    });
    const feeds = { [this.inputName]: new this.ort.Tensor('float32', batch, [inputs.length, 3, size, size]) };
    const out = await this.session.run(feeds, [this.outputName]);
    return splitRows(checkOutput(out[this.outputName]!, inputs.length, this.spec.dim, this.spec.file), inputs.length, this.spec.dim);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}

/** The CLIP text tower with its BPE tokenizer. */
export class TextEmbedder {
  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: InferenceSession,
    private readonly tokenizer: Tokenizer,
    private readonly padId: number,
    readonly spec: TextEncoderSpec,
  ) {}

  static async load(
    ort: OrtRuntime,
    model: Uint8Array,
    tokenizerJson: object,
    tokenizerConfig: { pad_token?: string; eos_token?: string },
    spec: TextEncoderSpec,
    options?: InferenceSession.SessionOptions,
  ): Promise<TextEmbedder> {
    const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
    // CLIP pads with its end-of-text token: the graph pools at argmax(input_ids), i.e. the first end-of-text.
    const padToken = tokenizerConfig.pad_token ?? tokenizerConfig.eos_token;
    const padId = padToken === undefined ? undefined : tokenizer.token_to_id(padToken);
    if (padId === undefined) throw new Error(`${spec.tokenizerConfig}: no pad or end-of-text token`);
    const session = await ort.InferenceSession.create(model, options);
    return new TextEmbedder(ort, session, tokenizer, padId, spec);
  }

  /** Token ids with special tokens, cut to the model's context (keeping the closing end-of-text token). */
  tokenize(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids.length <= this.spec.maxLength) return ids;
    return [...ids.slice(0, this.spec.maxLength - 1), ids[ids.length - 1]!];
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const tokenized = texts.map((t) => this.tokenize(t));
    const length = Math.max(...tokenized.map((ids) => ids.length));
    const ids = new BigInt64Array(texts.length * length).fill(BigInt(this.padId));
    const mask = new BigInt64Array(texts.length * length);
    tokenized.forEach((row, i) =>
      row.forEach((id, j) => {
        ids[i * length + j] = BigInt(id);
        mask[i * length + j] = 1n;
      }),
    );
    const feeds: Record<string, Tensor> = { [this.spec.inputIds]: new this.ort.Tensor('int64', ids, [texts.length, length]) };
    if (this.spec.attentionMask) feeds[this.spec.attentionMask] = new this.ort.Tensor('int64', mask, [texts.length, length]);
    const out = await this.session.run(feeds, [this.spec.output]);
    return splitRows(checkOutput(out[this.spec.output]!, texts.length, this.spec.dim, this.spec.file), texts.length, this.spec.dim);
  }

  release(): Promise<void> {
    return this.session.release();
  }
}
