import { describe, expect, it } from 'vitest';
import { contentTypeOf } from './http-headers.js';

describe('contentTypeOf', () => {
  it('names a served file by its extension, in any case, on either kind of path', () => {
    expect(contentTypeOf('/srv/dist/assets/ort-wasm-simd-threaded.WASM')).toBe('application/wasm');
    expect(contentTypeOf('index.html')).toBe('text/html; charset=utf-8');
    expect(contentTypeOf('C:\\catalog\\images\\10000.jpg')).toBe('image/jpeg');
  });

  it('serves anything else as binary data: models, index files, names without an extension', () => {
    expect(contentTypeOf('models/fashion-clip-mini/onnx/vision_model.onnx')).toBe('application/octet-stream');
    expect(contentTypeOf('index/cells-0001.bin')).toBe('application/octet-stream');
    expect(contentTypeOf('/srv/v1.2/LICENSE')).toBe('application/octet-stream');
    expect(contentTypeOf('/srv/.json')).toBe('application/octet-stream');
  });
});
