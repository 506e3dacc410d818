// APIs that exist in every runtime Vitrine targets (browsers, workers, Node ≥ 18) but are not in lib ES2022.
// Declared here so shared code may use them without pulling in DOM or Node typings.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare const performance: { now(): number };
declare class URL {
  constructor(url: string, base?: string | URL);
  readonly href: string;
  readonly pathname: string;
}
/** The part of fetch the search API client uses (src/search/shared/wire.ts). */
declare function fetch(
  input: URL,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
): Promise<{ readonly status: number; json(): Promise<unknown> }>;
declare function atob(data: string): string;
/** The part of WebAssembly the scan kernels use (src/vectors/shared/dots.ts). */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array<ArrayBuffer>);
  }
  class Instance {
    constructor(module: Module, imports?: object);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
}
