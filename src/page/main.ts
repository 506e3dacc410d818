import type { SearchRequest } from '../search/shared/policy.js';
import type { EngineInfo } from '../search/worker/api.js';
import { SearchEngineClient } from './engine-client.js';
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

/**
 * Asks the browser to keep the cached models and index under storage pressure (granted by heuristics in Chromium
 * and Safari; Firefox asks the shopper). Only once something was downloaded into the cache, and only once.
 */
async function requestPersistentStorage(info: EngineInfo): Promise<void> {
  const storage = navigator.storage as Partial<StorageManager> | undefined;
  if (info.files.fromNetwork === 0 || !storage?.persist || !storage.persisted) return;
  try {
    if (!(await storage.persisted())) await storage.persist();
  } catch {
    // Not allowed here (an embedded frame, a browser setting): the cache still works, it may just be evicted.
  }
}

// The worker is replaced if it dies (crash, out of memory, stuck): see engine-client.ts.
const engine = new SearchEngineClient(
  () => new Worker(new URL('../../workers/search.worker.ts', import.meta.url), { type: 'module', name: 'vitrine-search' }),
  dataBase.href,
  {
    onLoadEvent: (event) => showLoadEvent(loading, event),
    onReady(info, restarted) {
      loading.box.hidden = true;
      engineInfo.textContent = describeEngine(info, performance.now());
      if (restarted) {
        if (status.dataset.status === 'restarting') setStatus('ready', `The search engine restarted — drop a photo to search ${info.products.toLocaleString('en')} products`);
        return;
      }
      performance.mark('vitrine:ready');
      fillControls(info);
      if (status.dataset.status === 'loading') setStatus('ready', `Ready — drop a photo to search ${info.products.toLocaleString('en')} products`);
      void requestPersistentStorage(info);
    },
    onWorkerLost(reason, gaveUp) {
      if (gaveUp) {
        loading.box.hidden = true;
        setStatus('error', `The search engine keeps stopping (${reason}) — reload the page to start it again`);
        return;
      }
      // A search that was running reports the loss itself; otherwise say what is happening.
      if (status.dataset.status !== 'searching') setStatus('restarting', `The search engine stopped (${reason}) — restarting it…`);
      loading.label.textContent = 'Restarting the search engine…';
      loading.box.hidden = false;
    },
  },
);
const ready = engine.ready;
ready.catch((error: unknown) => {
  loading.box.hidden = true;
  setStatus('error', `The search engine could not load: ${error instanceof Error ? error.message : String(error)}`);
});

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
  get ready() {
    return engine.ready;
  },
  search: (image, req = {}) => engine.search(image, req),
  embed: (image) => engine.embed(image),
};
window.__vitrine = handle;
