/**
 * Refining a set of results by category and colour, as shop filters do: each chip counts the results it would show
 * given the other group's choice, so a count is always what choosing that chip gives.
 */
import type { SearchResult } from '../../search/shared/response.js';

export interface Refinement {
  readonly category: string | null;
  readonly colour: string | null;
}

export const NO_REFINEMENT: Refinement = { category: null, colour: null };

export interface Facet {
  readonly value: string;
  readonly count: number;
  readonly selected: boolean;
}

/** The labelled colour, or the predicted one for products the catalog left unlabelled. */
export const colourOf = (result: SearchResult): string => result.color ?? result.predicted_color;

type Group = keyof Refinement;
const valueOf: Record<Group, (r: SearchResult) => string> = { category: (r) => r.category, colour: colourOf };

function matches(result: SearchResult, refinement: Refinement, except?: Group): boolean {
  return (Object.keys(valueOf) as Group[]).every((group) => group === except || refinement[group] === null || valueOf[group](result) === refinement[group]);
}

/** The results the refinement keeps, in their order. */
export function refine(results: readonly SearchResult[], refinement: Refinement): SearchResult[] {
  return results.filter((r) => matches(r, refinement));
}

/** A group's chips, most results first (ties alphabetical); a selected value is always listed. */
export function facets(results: readonly SearchResult[], refinement: Refinement, group: Group): Facet[] {
  const counts = new Map<string, number>();
  const selected = refinement[group];
  if (selected !== null) counts.set(selected, 0);
  for (const r of results) {
    if (!matches(r, refinement, group)) continue;
    const value = valueOf[group](r);
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts]
    .map(([value, count]) => ({ value, count, selected: value === selected }))
    .sort((a, b) => b.count - a.count || a.value.localeCompare(b.value));
}

/** Choosing a selected chip again clears its group; choosing another replaces it. */
export function toggle(refinement: Refinement, group: Group, value: string): Refinement {
  return { ...refinement, [group]: refinement[group] === value ? null : value };
}
