import { categoryKey } from '../../catalog/shared/taxonomy.js';

/**
 * How a query collection's labels are judged against catalog categories: a label maps onto one or more catalog
 * categories, and a prediction or a result in any of them counts as right. A label with no entry maps onto the
 * category of the same name (compared case- and space-insensitively, as everywhere).
 */
export type LabelMap = ReadonlyMap<string, readonly string[]>;

export class LabelMapError extends Error {
  override name = 'LabelMapError';
}

export const EMPTY_LABEL_MAP: LabelMap = new Map();

const EXAMPLE = '{"pants": ["Trousers", "Jeans", "Track Pants"]}';

/**
 * Checks a parsed `--label-map` value: an object whose values are category names or lists of them. Keys are
 * stored by categoryKey; the category lists keep their spelling (for messages) and are compared by categoryKey.
 */
export function parseLabelMap(value: unknown): LabelMap {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LabelMapError(`must be a JSON object mapping a label to a list of catalog categories, e.g. ${EXAMPLE}`);
  }
  const map = new Map<string, readonly string[]>();
  for (const [label, target] of Object.entries(value as Record<string, unknown>)) {
    const list = typeof target === 'string' ? [target] : target;
    if (!Array.isArray(list) || list.length === 0 || !list.every((c) => typeof c === 'string' && c.trim() !== '')) {
      throw new LabelMapError(`"${label}" must map to a non-empty list of category names, e.g. ${EXAMPLE}`);
    }
    if (label.trim() === '') throw new LabelMapError('a label cannot be empty');
    const key = categoryKey(label);
    if (map.has(key)) throw new LabelMapError(`"${label}" is listed twice (labels compare case-insensitively)`);
    map.set(key, (list as string[]).map((c) => c.trim()));
  }
  return map;
}

/** Parses the text of a `--label-map` (inline JSON or a file's content); the error names what is wrong. */
export function parseLabelMapText(text: string): LabelMap {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LabelMapError(`not valid JSON (${(error as Error).message})`);
  }
  return parseLabelMap(value);
}

/** The catalog categories (as categoryKeys) a label accepts. */
export function acceptedCategories(label: string, map: LabelMap): ReadonlySet<string> {
  const mapped = map.get(categoryKey(label));
  return new Set((mapped ?? [label]).map(categoryKey));
}

/** Caches acceptedCategories per label: the evaluation asks once per query and result. */
export function labelJudge(map: LabelMap): (label: string, category: string | null) => boolean {
  const cache = new Map<string, ReadonlySet<string>>();
  return (label, category) => {
    if (category === null) return false;
    const key = categoryKey(label);
    let accepted = cache.get(key);
    if (!accepted) cache.set(key, (accepted = acceptedCategories(label, map)));
    return accepted.has(categoryKey(category));
  };
}

/** The label map as plain JSON (for the report). */
export function labelMapToJson(map: LabelMap): Record<string, string[]> {
  return Object.fromEntries([...map].map(([k, v]) => [k, [...v]]));
}
