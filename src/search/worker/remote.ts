import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import { decodeImageBlob } from '../../imaging/worker/decode.js';
import { apiAnswerer } from '../shared/wire.js';
import { WorkerSearchEngine } from './engine.js';
import { currentChecksums, downloadQueue, engineInfo, imageModelDownloads, loadImageEmbedders, openTextEncoderSide, warmUpTowers, type LoadListener, type Loading } from './loading.js';

/**
 * Remote mode, chosen by the deployment's manifest: the photo is still decoded and embedded here, but the catalog
 * is searched by the shop's server, so only the two image encoders are downloaded (the text encoder on the first
 * query with words) and no index at all.
 */
export async function openRemote(manifest: ArtifactManifest, remote: { readonly api: string }, loading: Loading): Promise<WorkerSearchEngine> {
  const { dataBase, cache, onEvent } = loading;
  const api = new URL(remote.api, dataBase);
  onEvent({ kind: 'remote', api: api.href });
  const downloads = downloadQueue(loading, imageModelDownloads(manifest.models, dataBase), 'engine');
  const embedders = await loadImageEmbedders(manifest.models, downloads, loading);

  onEvent({ kind: 'warming-up' });
  const warmUpStarted = performance.now();
  const keep = currentChecksums(manifest.models, manifest.files);
  const [notCached] = await Promise.all([cache.persist(keep), warmUpTowers(embedders, manifest.index.framing)]);

  const answerer = apiAnswerer(api);
  const info = engineInfo(loading, manifest, { files: { ...downloads.summary(), notCached }, remote: api.href, shards: null, warmUpStarted });
  // Words are embedded here too; the server has the product names.
  const openText = (listener: LoadListener | undefined) => openTextEncoderSide(manifest.models, loading, listener, answerer, keep);
  return new WorkerSearchEngine(answerer, manifest.index.framing, embedders, { decode: decodeImageBlob, openText }, info, null);
}
