import { setUpCamera } from '../camera/page/camera.js';
import { PhotoCrop } from '../crop/page/crop.js';
import { startKiosk } from '../kiosk/page/kiosk.js';
import { kioskOptions } from '../kiosk/shared/kiosk.js';
import { offlineWanted, startOffline } from '../offline/page/offline.js';
import type { SearchRequest } from '../search/shared/policy.js';
import { shardBudgetsFromParams } from '../search/shared/shard-budgets.js';
import type { EngineInfo } from '../search/worker/api.js';
import { ProductDetails } from './detail.js';
import { byId } from '../common/page/dom.js';
import { SearchEngineClient } from './engine-client.js';
import type { VitrineHandle } from './handle.js';
import { describeEngine, showLoadEvent, type LoadingView } from './loading.js';
import { watchPhotoInput } from './photo-input.js';
import { poolSize, ResultsView } from './refine.js';
import { renderConfirm, renderStatus } from './results.js';
import { SearchSession, type AnsweredSearch } from './session.js';
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
const tagline = byId('tagline', HTMLParagraphElement);
const privacyNote = byId('privacy-note', HTMLParagraphElement);
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

/**
 * Remote mode (the shop searches its catalog on its server): said plainly as soon as the worker knows it, before
 * any model has downloaded and so before the first search can be sent.
 */
function showRemoteNotice(): void {
  tagline.textContent = 'Find products like your photo — the photo stays on your device.';
  privacyNote.textContent =
    "This shop searches its catalog on its own server. Your photo stays on this device: what is sent to the shop's server is a numeric description of it, computed here (two lists of 512 numbers, which can reveal roughly what the photo shows), with the category you pick and any words you type — never the photo itself.";
  privacyNote.hidden = false;
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
    onLoadEvent: (event) => (event.kind === 'remote' ? showRemoteNotice() : showLoadEvent(loading, event)),
    onTextReady() {
      loading.box.hidden = true;
      performance.mark('vitrine:text-ready');
    },
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
  { shardBudgets: shardBudgetsFromParams(new URLSearchParams(location.search)) },
);
engine.ready.catch((error: unknown) => {
  loading.box.hidden = true;
  setStatus('error', `The search engine could not load: ${error instanceof Error ? error.message : String(error)}`);
});

/** A pool larger than the cards shown, for the category and colour chips to refine (refine.ts). */
function request(): SearchRequest {
  return { category: categorySelect.value === 'auto' ? null : categorySelect.value, topK: poolSize(Number(topKSelect.value)) };
}

function showPreview(photo: File | null): void {
  if (preview.src) URL.revokeObjectURL(preview.src);
  if (photo) {
    preview.src = URL.createObjectURL(photo);
    preview.alt = `Your photo: ${photo.name || 'pasted image'}`;
  } else {
    preview.removeAttribute('src');
  }
  preview.hidden = !photo;
  zone.classList.toggle('has-photo', photo !== null);
  queryBox.removePhoto.hidden = !photo;
}

/** What was searched, in the status line: the response's message, which already quotes words searched alone. */
function showStatus({ response, photo, words }: AnsweredSearch): void {
  renderStatus(status, response);
  if (photo && words && response.status !== 'error') status.textContent = `Your photo + “${words}”: ${response.message}`;
}

/**
 * On a phone the answer sits below the photo and the form: when it is ready, the page scrolls the status line and
 * the first cards into view. Scrolling only — focus stays where the shopper left it, and the status line's live
 * region announces the answer to a screen reader. Nothing happens when the answer is already in sight (a wide
 * screen shows it beside the photo).
 */
function revealAnswer(): void {
  const line = status.getBoundingClientRect();
  const first = (results.firstElementChild ?? status).getBoundingClientRect();
  if (line.top >= 0 && line.bottom <= innerHeight && first.top < innerHeight) return;
  status.scrollIntoView({ block: 'start', behavior: matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
}

const session = new SearchSession(engine, request);

// Shop the look: the area picked on the photo is searched in its place.
const crop = new PhotoCrop(zone, preview, (area) => session.searchArea(area));
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
  (photo) => session.usePhoto(photo),
  (message) => setStatus('error', message),
);
const resultsView = new ResultsView(
  results,
  byId('refine', HTMLDivElement),
  catalogBase,
  () => session.scoring,
  (result, why, opener) => details.open(result, why, opener),
);

session.showIn({
  photoChanged(photo) {
    showPreview(photo);
    crop.setPhoto(photo);
  },
  searching(category) {
    results.setAttribute('aria-busy', 'true');
    setStatus('searching', category ? `Searching only ${category}…` : 'Searching…');
  },
  answered(search) {
    showStatus(search);
    // Unsure: show where the garment seems to be, for the shopper to correct (a box they drew stays theirs).
    const { response } = search;
    crop.showGarment(response.status === 'needs_confirmation' && response.garment_region ? response.garment_region : null);
    renderConfirm(confirm, search.response, session.categories, (category) => {
      categorySelect.value = category;
      session.confirmCategory(category);
    });
    resultsView.show({ response: search.response, shown: Number(topKSelect.value), words: search.words });
    results.removeAttribute('aria-busy');
    revealAnswer();
  },
  cleared() {
    resultsView.clear();
    confirm.hidden = true;
    setStatus('ready', 'Drop a photo or describe what you are looking for');
  },
  nothingToSearch: () => setStatus('ready', 'Drop a photo or describe what you are looking for'),
});

// A photo the browser cannot show still goes to the worker, which explains what is wrong with it.
preview.addEventListener('error', () => {
  preview.hidden = true;
  zone.classList.remove('has-photo');
});

watchPhotoInput(zone, input, (photo) => session.usePhoto(photo));
setUpCamera((photo) => session.usePhoto(photo));
for (const select of [categorySelect, topKSelect]) select.addEventListener('change', () => session.refresh());
watchQueryBox(queryBox, {
  search: (text) => session.searchWords(text),
  wordsCleared: () => session.wordsCleared(),
  photoRemoved: () => session.removePhoto(),
});

/** A kiosk's idle reset: the page as the next shopper should find it. */
function startOver(): void {
  for (const dialog of document.querySelectorAll('dialog[open]')) (dialog as HTMLDialogElement).close();
  queryBox.words.value = '';
  queryBox.words.dispatchEvent(new Event('input'));
  categorySelect.value = 'auto';
  void engine.ready.then((info) => (topKSelect.value = String(info.defaultTopK)), () => undefined);
  session.startOver();
}
const kioskSettings = kioskOptions(new URLSearchParams(location.search));
const kiosk = kioskSettings && startKiosk(kioskSettings, startOver);
if (offlineWanted(new URLSearchParams(location.search), kiosk !== null)) {
  const offline = startOffline({ appBase: dataBase, status: byId('offline-status', HTMLParagraphElement), whenIdle: kiosk?.atNextStartOver });
  // Words work offline only if the text model is on the device too: it is fetched once the photos are.
  void engine.ready
    .then((info) => offline.prepare(info, engine))
    .then(() => engine.loadText())
    .catch(() => undefined); // a text model that did not load is asked for again by the first query with words
}

// Tests and benchmarks drive the page through window.__vitrine: only their builds have it (VITE_TEST_HANDLE=1, set
// by e2e/serve.ts and the page benchmark).
if (import.meta.env.VITE_TEST_HANDLE === '1') {
  const handle: VitrineHandle = {
    get ready() {
      return engine.ready;
    },
    search: (image, req = {}, modifier) => engine.search(image, req, modifier),
    searchText: (text, req = {}) => engine.searchText(text, req),
    embed: (image) => engine.embed(image),
    shardStats: () => engine.shardStats(),
  };
  window.__vitrine = handle;
}
