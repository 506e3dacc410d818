import { formatBytes } from '../common/shared/units.js';
import type { EngineInfo, LoadEvent, LoadPart } from '../search/worker/api.js';

export interface LoadingView {
  readonly box: HTMLElement;
  readonly label: HTMLElement;
  readonly bar: HTMLProgressElement;
  readonly file: HTMLElement;
}

const LOAD_LABELS: Readonly<Record<LoadPart, string>> = {
  engine: 'Loading models and catalog index',
  text: 'Loading the text model',
  shard: 'Loading the part of the catalog this search needs',
};

/** The download bar: overall bytes and percent, and the file in flight with its own bytes and percent. */
export function showLoadEvent(view: LoadingView, event: Exclude<LoadEvent, { kind: 'remote' }>): void {
  if (event.kind === 'warming-up') {
    view.label.textContent = 'Warming up the models…';
    view.bar.removeAttribute('value');
    view.file.textContent = '';
    return;
  }
  const { file, overall } = event;
  const percent = Math.floor((100 * overall.loaded) / Math.max(1, overall.total));
  // The text side loads after the page is ready, on the first query with words, and a compact catalog's shards as
  // searches need them: the bar shows again for them, and a shard's goes once it is in.
  view.box.hidden = event.part === 'shard' && overall.filesDone === overall.files;
  view.bar.value = percent;
  const what = LOAD_LABELS[event.part];
  view.label.textContent = `${what} — ${percent} % (${formatBytes(overall.loaded)} of ${formatBytes(overall.total)})`;
  const where = file.source === 'cache' ? 'from this device' : `${formatBytes(file.loaded)} of ${formatBytes(file.total)}`;
  view.file.textContent = `${file.path}: ${file.percent} % (${where})`;
}

/** "WASM × 2 threads" or "WebGPU", and where the files came from: shown small, for the curious. */
export function describeEngine(info: EngineInfo, readyMs: number): string {
  const backend = info.backend === 'webgpu' ? 'WebGPU' : `WASM × ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  const files = info.remote
    ? `models ${info.files.fromNetwork === 0 ? 'from this device' : `${formatBytes(info.files.bytesDownloaded)} downloaded`} · catalog searched by the shop's server`
    : info.files.fromNetwork === 0
      ? 'models and index from this device'
      : `${formatBytes(info.files.bytesDownloaded)} downloaded${info.files.notCached.length ? ' (could not cache some files)' : ''}`;
  const parts = info.shards ? ` · catalog loaded in ${info.shards.count.toLocaleString('en')} parts as searches need them` : '';
  return `${backend} · ${info.products.toLocaleString('en')} products${parts} · ${files} · ready in ${(readyMs / 1000).toFixed(1)} s`;
}
