/**
 * The words field: alone it searches by description ("red floral summer dress"); with a photo it says how the
 * results should differ from it ("in blue"). Its buttons also clear the words and remove the photo.
 */
export interface QueryBox {
  readonly form: HTMLFormElement;
  readonly words: HTMLInputElement;
  readonly clearWords: HTMLButtonElement;
  readonly removePhoto: HTMLButtonElement;
}

export interface QueryActions {
  /** The Search button (or Enter in the field), with the words typed, trimmed (possibly empty). */
  search(words: string): void;
  wordsCleared(): void;
  photoRemoved(): void;
}

export function watchQueryBox(box: QueryBox, actions: QueryActions): void {
  const sync = () => (box.clearWords.hidden = box.words.value === '');
  box.form.addEventListener('submit', (event) => {
    event.preventDefault();
    actions.search(box.words.value.trim());
  });
  box.words.addEventListener('input', sync);
  box.clearWords.addEventListener('click', () => {
    box.words.value = '';
    sync();
    box.words.focus();
    actions.wordsCleared();
  });
  box.removePhoto.addEventListener('click', () => {
    actions.photoRemoved();
    box.words.focus();
  });
  sync();
}
