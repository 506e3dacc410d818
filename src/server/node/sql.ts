/** pgvector's text form of a vector: '[0.1,-0.2,…]'. Every float32 prints exactly (shortest round-trip form). */
export function vectorLiteral(v: ArrayLike<number>): string {
  return `[${Array.prototype.join.call(v, ',')}]`;
}

/** pgvector's text form back to float32: the same values the artifacts hold. */
export function parseVector(text: string): Float32Array {
  return Float32Array.from(text.slice(1, -1).split(','), Number);
}

/** A SQL identifier from a build id (hex): the build's own schema. */
export function buildSchema(buildId: string): string {
  if (!/^[0-9a-f]{8,64}$/.test(buildId)) throw new Error(`build id "${buildId}" is not a hexadecimal id`);
  return `vitrine_build_${buildId}`;
}
