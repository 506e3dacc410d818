/**
 * The import rule of src/ (README, "Project layout"): capabilities sit in layers, and an import between two of them
 * goes to the same layer or a lower one, never up; no capabilities depend on each other in a circle; and product
 * code never imports test code. Type-only imports count: they couple the code just the same.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/common/node/paths.js';

/** Highest first. */
const LAYERS: readonly (readonly string[])[] = [
  ['page', 'cli', 'bench', 'workers'],
  ['crop', 'kiosk', 'offline', 'camera'],
  ['search', 'index', 'eval', 'results', 'server'],
  ['models', 'ann', 'assets', 'artifacts'],
  ['imaging', 'vectors', 'catalog', 'common'],
];
/** Ambient type declarations, not a capability. */
const NOT_CAPABILITIES = new Set(['types']);

const layerOf = new Map(LAYERS.flatMap((names, layer) => names.map((name) => [name, layer] as const)));

interface Import {
  readonly file: string;
  readonly specifier: string;
  readonly from: string;
  /** The capability it reaches, or the top-level folder outside src/ and workers/. */
  readonly to: string;
  readonly outside: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** `src/<capability>/…` → capability; `workers/…` → "workers". */
function capabilityOf(path: string): { name: string; outside: boolean } {
  const [top, second] = relative(PROJECT_ROOT, path).split(sep);
  if (top === 'src') return { name: second!, outside: false };
  return { name: top!, outside: top !== 'workers' };
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\bnew URL\(\s*)['"](\.{1,2}\/[^'"]+)['"]/gm;

function relativeImports(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const from = capabilityOf(file).name;
  return [...text.matchAll(SPECIFIER)].map((match) => {
    const specifier = match[1]!;
    const target = capabilityOf(resolve(dirname(file), specifier));
    return { file: relative(PROJECT_ROOT, file), specifier, from, to: target.name, outside: target.outside };
  });
}

const imports = ['src', 'workers'].flatMap((dir) => sourceFiles(join(PROJECT_ROOT, dir))).flatMap(relativeImports);
const between = imports.filter((i) => !i.outside && i.from !== i.to);
const show = (list: readonly Import[]) => list.map((i) => `${i.file}: ${i.specifier}`);

/** The capabilities that depend on each other in a circle, each circle once; empty when there is none. */
function cycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const found: string[][] = [];
  const done = new Set<string>();
  const visit = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) return void found.push([...path.slice(at), node]);
    if (done.has(node)) return;
    for (const next of edges.get(node) ?? []) visit(next, [...path, node]);
    done.add(node);
  };
  for (const node of edges.keys()) visit(node, []);
  return found;
}

describe('import layers', () => {
  it('every folder of src/ is a capability with a layer', () => {
    const folders = readdirSync(join(PROJECT_ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory() && !NOT_CAPABILITIES.has(e.name));
    expect(folders.map((f) => f.name).filter((name) => !layerOf.has(name))).toEqual([]);
  });

  it('imports between capabilities never go to a higher layer', () => {
    expect(show(between.filter((i) => layerOf.get(i.to)! < layerOf.get(i.from)!))).toEqual([]);
  });

  it('no capabilities depend on each other in a circle', () => {
    const edges = new Map<string, Set<string>>();
    for (const i of between) edges.set(i.from, (edges.get(i.from) ?? new Set()).add(i.to));
    expect(cycles(edges).map((cycle) => cycle.join(' → '))).toEqual([]);
  });

  it('product code imports no test code, and nothing outside src/ and workers/', () => {
    expect(show(imports.filter((i) => i.outside))).toEqual([]);
  });

  it('sees the imports it checks', () => {
    // A guard on the parser: if the pattern stopped matching, every rule above would pass vacuously.
    expect(between.some((i) => i.file === join('src', 'page', 'main.ts') && i.to === 'search')).toBe(true);
    expect(between.some((i) => i.file === join('src', 'page', 'main.ts') && i.to === 'workers')).toBe(true);
    expect(imports.length).toBeGreaterThan(300);
  });
});
