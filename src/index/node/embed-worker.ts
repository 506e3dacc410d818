import { parentPort, workerData } from 'node:worker_threads';
import { loadModelsConfig } from '../../models/node/config.js';
import { augmentedCopies, PRODUCT_VARIANTS } from '../../imaging/shared/augment.js';
import { decodeImage } from '../../imaging/node/decode.js';
import { embedImages } from '../../models/shared/embed.js';
import { resolveProfile } from '../../models/shared/manifest.js';
import { loadImageEmbedders } from '../../models/node/load.js';
import type { EmbedJob, EmbedReply, EmbedWorkerConfig } from './embed-protocol.js';

const config = workerData as EmbedWorkerConfig;
const models = loadModelsConfig();
// One ONNX thread per worker: the build runs one worker per core.
const embedders = await loadImageEmbedders(models, resolveProfile(models, config.profile), { threads: 1, assetsDir: config.assetsDir });

function concat(rows: Float32Array[]): Float32Array {
  const out = new Float32Array(rows.length * rows[0]!.length);
  rows.forEach((r, i) => out.set(r, i * r.length));
  return out;
}

async function handle(job: EmbedJob): Promise<EmbedReply> {
  try {
    const image = await decodeImage(job.bytes, job.label);
    const images = job.variant === undefined ? [image, ...augmentedCopies(image, config.augmentCopies)] : [PRODUCT_VARIANTS[job.variant]!.apply(image)];
    const embeddings = await embedImages(embedders, images, config.framing);
    return {
      id: job.id,
      ok: true,
      semantic: concat(embeddings.map((e) => e.semantic)),
      visual: concat(embeddings.map((e) => e.visual)),
      variants: embeddings.length,
    };
  } catch (error) {
    return { id: job.id, ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

parentPort!.on('message', (job: EmbedJob) => {
  void handle(job).then((reply) => {
    const transfer = reply.ok ? [reply.semantic.buffer, reply.visual.buffer] : [];
    parentPort!.postMessage(reply, transfer as ArrayBuffer[]);
  });
});
parentPort!.postMessage('ready');
