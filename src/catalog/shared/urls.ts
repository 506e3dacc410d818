/** Catalog image paths are relative to the catalog folder; each segment is URL-encoded, the slashes kept. */
export function productImageUrl(catalogBase: URL, image: string): string {
  return new URL(image.split('/').map(encodeURIComponent).join('/'), catalogBase).href;
}
