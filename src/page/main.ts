import { setUpCamera } from '../camera/page/camera.js';
import { PhotoCrop } from '../crop/page/crop.js';
import { startKiosk } from '../kiosk/page/kiosk.js';
import { kioskOptions } from '../kiosk/shared/kiosk.js';
import { offlineWanted, startOffline } from '../offline/page/offline.js';
import type { Scoring } from '../search/shared/scoring.js';
import type { SearchRequest } from '../search/shared/policy.js';
import type { EngineInfo, SearchResponse } from '../search/worker/api.js';
import { ProductDetails } from './detail.js';
import { byId } from '../common/page/dom.js';
import { SearchEngineClient } from './engine-client.js';
import type { VitrineHandle } from './handle.js';
import { describeEngine, showLoadEvent, type LoadingView } from './loading.js';
import { watchPhotoInput } from './photo-input.js';
import { poolSize, ResultsView } from './refine.js';
import { renderConfirm, renderStatus } from './results.js';
import { watchQueryBox } from './text-query.js';

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
const queryBox = {
  form: byId('words-form', HTMLFormElement),
  words: byId('words', HTMLInputElement),
  clearWords: byId('clear-words', HTMLButtonElement),
  removePhoto: byId('remove-photo', HTMLButtonElement),
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
    onTextReady() {
      loading.box.hidden = true;
      performance.mark('vitrine:text-ready');
    },
    onReady(info, restarted) {
      loading.box.hidden = true;
      scoring = info.scoring;
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

/** The photo shown and the words last searched; `latest` is the search whose answer the page waits for. */
let current: File | null = null;
let words = '';
let latest: object | null = null;
let scoring: Scoring | null = null;
let categories: readonly string[] = [];
void ready.then((info) => (categories = info.categories), () => undefined);

/** A pool larger than the cards shown, for the category and colour chips to refine (refine.ts). */
function request(): SearchRequest {
  return { category: categorySelect.value === 'auto' ? null : categorySelect.value, topK: poolSize(Number(topKSelect.value)) };
}

function showPreview(photo: File): void {
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.src = URL.createObjectURL(photo);
  preview.alt = `Your photo: ${photo.name || 'pasted image'}`;
  preview.hidden = false;
  zone.classList.add('has-photo');
  queryBox.removePhoto.hidden = false;
  crop.setPhoto(photo);
}

function removePhoto(): void {
  current = null;
  if (preview.src) URL.revokeObjectURL(preview.src);
  preview.removeAttribute('src');
  preview.hidden = true;
  zone.classList.remove('has-photo');
  queryBox.removePhoto.hidden = true;
  crop.setPhoto(null);
}

const resultsView = new ResultsView(
  results,
  byId('refine', HTMLDivElement),
  catalogBase,
  () => scoring,
  (result, why, opener) => details.open(result, why, opener),
);
const details = new ProductDetails(
  {
    dialog: byId('product-dialog', HTMLDialogElement),
    image: byId('product-image', HTMLImageElement),
    title: byId('product-title', HTMLHeadingElement),
    facts: byId('product-facts', HTMLDivElement),
    findSimilar: byId('product-similar', HTMLButtonElement),
    close: byId('product-close', HTMLButtonElement),
  },
  catalogBase,
  (photo) => {
    showPreview(photo);
    void search(photo);
  },
  (message) => setStatus('error', message),
);

/** What was searched, in the status line: the response's message, which already quotes words searched alone. */
function showStatus(response: SearchResponse, photo: File | null, text: string): void {
  renderStatus(status, response);
  if (photo && text && response.status !== 'error') status.textContent = `Your photo + “${text}”: ${response.message}`;
}

/** A photo alone, words alone (`photo` null), or a photo the words change ("in blue"). */
async function search(photo: File | null, text = ''): Promise<void> {
  const asked = {};
  latest = asked;
  current = photo;
  words = text;
  // Photo searches keep their own measure (the benchmarks time drops); searches with words get theirs.
  const [mark, measure] = text ? ['vitrine:words', 'vitrine:words-to-results'] : ['vitrine:photo', 'vitrine:drop-to-results'];
  performance.mark(mark);
  results.setAttribute('aria-busy', 'true');
  setStatus('searching', 'Searching…');
  const response = photo ? await engine.search(photo, request(), text) : await engine.searchText(text, request());
  if (asked !== latest) return; // a newer search took over
  showStatus(response, photo, text);
  renderConfirm(confirm, response, categories, (category) => {
    categorySelect.value = category;
    setStatus('searching', `Searching only ${category}…`);
    void search(photo, text);
  });
  resultsView.show({ response, shown: Number(topKSelect.value), words: text });
  results.removeAttribute('aria-busy');
  performance.measure(measure, mark);
}

/** Nothing to search: back to the empty page. */
function clearResults(): void {
  latest = null;
  words = '';
  resultsView.clear();
  confirm.hidden = true;
  setStatus('ready', 'Drop a photo or describe what you are looking for');
}

// A photo the browser cannot show still goes to the worker, which explains what is wrong with it.
preview.addEventListener('error', () => {
  preview.hidden = true;
  zone.classList.remove('has-photo');
});

function usePhoto(photo: File): void {
  showPreview(photo);
  void search(photo);
}
watchPhotoInput(zone, input, usePhoto);
setUpCamera(usePhoto);
// Shop the look: the area picked on the photo is searched in its place (with the words, as a category change is).
const crop = new PhotoCrop(zone, preview, (area) => void search(area, words));
for (const select of [categorySelect, topKSelect]) {
  select.addEventListener('change', () => {
    if (current || words) void search(current, words);
  });
}
watchQueryBox(queryBox, {
  search(text) {
    if (current || text) void search(current, text);
    else setStatus('ready', 'Drop a photo or describe what you are looking for');
  },
  wordsCleared: () => (current ? void search(current) : clearResults()),
  photoRemoved() {
    removePhoto();
    if (words) void search(null, words);
    else clearResults();
  },
});

/** A kiosk's idle reset: the page as the next shopper should find it. */
function startOver(): void {
  for (const dialog of document.querySelectorAll('dialog[open]')) (dialog as HTMLDialogElement).close();
  removePhoto();
  queryBox.words.value = '';
  queryBox.words.dispatchEvent(new Event('input'));
  categorySelect.value = 'auto';
  void ready.then((info) => (topKSelect.value = String(info.defaultTopK)), () => undefined);
  clearResults();
}
const kioskSettings = kioskOptions(new URLSearchParams(location.search));
const kiosk = kioskSettings && startKiosk(kioskSettings, startOver);
if (offlineWanted(new URLSearchParams(location.search), kiosk !== null)) {
  const offline = startOffline({ appBase: dataBase, status: byId('offline-status', HTMLParagraphElement), whenIdle: kiosk?.atNextStartOver });
  // Words work offline only if the text model is on the device too: it is fetched once the photos are.
  void ready
    .then((info) => offline.prepare(info))
    .then(() => engine.loadText())
    .catch(() => undefined); // a text model that did not load is asked for again by the first query with words
}

const handle: VitrineHandle = {
  get ready() {
    return engine.ready;
  },
  search: (image, req = {}, modifier) => engine.search(image, req, modifier),
  searchText: (text, req = {}) => engine.searchText(text, req),
  embed: (image) => engine.embed(image),
};
window.__vitrine = handle;
