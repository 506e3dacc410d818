/**
 * The three ways a photo arrives: the file input (click, or focus + Enter), a drop on the zone, a paste anywhere.
 * The input covers the whole zone, so it is at once the click target, the keyboard control and the labelled field.
 */
/** Any file goes to the worker: one it cannot read comes back as a clear error, not silence. */
function firstFile(files: FileList | null | undefined): File | null {
  return files?.[0] ?? null;
}

export function watchPhotoInput(zone: HTMLElement, input: HTMLInputElement, onPhoto: (photo: File) => void): void {
  input.addEventListener('change', () => {
    const photo = firstFile(input.files);
    // Cleared so choosing the same file again still fires "change".
    input.value = '';
    if (photo) onPhoto(photo);
  });

  const setOver = (over: boolean) => zone.classList.toggle('is-over', over);
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
    setOver(true);
  });
  zone.addEventListener('dragleave', () => setOver(false));
  zone.addEventListener('drop', (event) => {
    // Handled here rather than by the input's native drop, so drops and picks take one path.
    event.preventDefault();
    setOver(false);
    const photo = firstFile(event.dataTransfer?.files);
    if (photo) onPhoto(photo);
  });

  document.addEventListener('paste', (event) => {
    const photo = firstFile(event.clipboardData?.files);
    if (!photo) return;
    event.preventDefault();
    onPhoto(photo);
  });
}
