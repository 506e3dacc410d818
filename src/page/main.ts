import { proxy, wrap } from 'comlink';
import type { SearchRequest } from '../search/shared/policy.js';
import type { EngineInfo, SearchWorkerApi } from '../search/worker/api.js';
import type { VitrineHandle } from './handle.js';
import { describeEngine, showLoadEvent, type LoadingView } from './loading.js';
import { watchPhotoInput } from './photo-input.js';
import { renderConfirm, renderResults, renderStatus } from './results.js';

function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const node = document.getElementById(id);
  if (!(node instanceof type)) throw new Error(`the page lacks #${id}`);
  return node;
}

const zone = byId('dropzone', HTMLDivElement);
const input = byId('photo', HTMLInputElement);
const preview = byId('preview', HTMLImageElement);
const categorySelect = byId('category', HTMLSelectElement);
const topKSelect = byId('top-k', HTMLSelectElement);
const status = byId('status', HTMLParagraphElement);
const confirm = byId('confirm', HTMLDivElement);
const results = byId('results', HTMLUListElement);
const engineInfo = byId('engine-info', HTMLElement);
const loading: LoadingView = {
  box: byId('loading', HTMLDivElement),
  label: byId('load-label', HTMLLabelElement),
  bar: byId('load-progress', HTMLProgressElement),
  file: byId('load-file', HTMLParagraphElement),
};

// Data (artifacts/, models/, catalog/) is served beside the page, so the build works under any path.
const dataBase = new URL(import.meta.env.BASE_URL, document.baseURI);
const catalogBase = new URL('catalog/', dataBase);

const worker = new Worker(new URL('../../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'vitrine-search' });
const engine = wrap<SearchWorkerApi>(worker);

function option(value: string): HTMLOptionElement {
  const node = document.createElement('option');
  node.value = value;
  node.textContent = value;
  return node;
}

function fillControls(info: EngineInfo): void {
  const group = (label: string, names: readonly string[]) => {
    const node = document.createElement('optgroup');
    node.label = label;
    node.append(...names.map((name) => option(name)));
    return node;
  };
  categorySelect.append(group('In this catalog', info.categories));
  if (info.absentCategories.length) categorySelect.append(group('Not in this catalog', info.absentCategories));
  const topK = String(info.defaultTopK);
  if (![...topKSelect.options].some((o) => o.value === topK)) topKSelect.append(option(topK));
  topKSelect.value = topK;
}

function setStatus(kind: string, text: string): void {
  status.dataset.status = kind;
  status.textContent = text;
}

const ready = engine.load(dataBase.href, proxy((event) => showLoadEvent(loading, event)));
ready.then(
  (info) => {
    performance.mark('vitrine:ready');
    fillControls(info);
    loading.box.hidden = true;
    engineInfo.textContent = describeEngine(info, performance.now());
    if (status.dataset.status === 'loading') setStatus('ready', `Ready — drop a photo to search ${info.products.toLocaleString('en')} products`);
  },
  (error: unknown) => {
    loading.box.hidden = true;
    setStatus('error', `The search engine could not load: ${error instanceof Error ? error.message : String(error)}`);
  },
);

let current: File | null = null;

function request(): SearchRequest {
  return { category: categorySelect.value === 'auto' ? null : categorySelect.value, topK: Number(topKSelect.value) };
}

function showPreview(photo: File): void {
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(photo);
  preview.alt = `Your photo: ${photo.name || 'pasted image'}`;
  preview.hidden = false;
  zone.classList.add('has-photo');
}

async function search(photo: File): Promise<void> {
  current = photo;
  performance.mark('vitrine:photo');
  results.setAttribute('aria-busy', 'true');
  setStatus('searching', 'Searching…');
  const response = await engine.search(photo, request());
  if (photo !== current) return; // a newer photo (or choice) took over
  renderStatus(status, response);
  renderConfirm(confirm, response, (category) => {
    categorySelect.value = category;
    void search(photo);
  });
  renderResults(results, response, catalogBase);
  results.removeAttribute('aria-busy');
  performance.measure('vitrine:drop-to-results', 'vitrine:photo');
}

// A photo the browser cannot show still goes to the worker, which explains what is wrong with it.
preview.addEventListener('error', () => {
  preview.hidden = true;
  zone.classList.remove('has-photo');
});

watchPhotoInput(zone, input, (photo) => {
  showPreview(photo);
  void search(photo);
});
for (const select of [categorySelect, topKSelect]) {
  select.addEventListener('change', () => {
    if (current) void search(current);
  });
}

const handle: VitrineHandle = {
  ready,
  search: (image, req = {}) => engine.search(image, req),
  embed: (image) => engine.embed(image),
};
window.__vitrine = handle;
