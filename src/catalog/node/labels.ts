import { readFile } from 'node:fs/promises';
import { CsvError, parseCsv } from '../shared/csv.js';

/** What the build takes from a labels file (Kaggle styles.csv columns by default). */
export interface ProductLabel {
  readonly id: string;
  /** Line of the labels file it came from (for reports). */
  readonly line: number;
  readonly category: string;
  readonly color: string | null;
  readonly name: string | null;
  readonly gender: string | null;
}

export interface LabelsTable {
  readonly byId: ReadonlyMap<string, ProductLabel>;
  /** Rows that could not be used, with their line and why: reported, not fatal. */
  readonly problems: readonly string[];
  /** Optional columns the file lacks (colour, name, gender): those facts are predicted or left out. */
  readonly missingColumns: readonly string[];
}

export interface LabelColumns {
  readonly category: string;
  readonly color: string;
  readonly name: string;
  readonly gender: string;
}

export const KAGGLE_COLUMNS: LabelColumns = { category: 'articleType', color: 'baseColour', name: 'productDisplayName', gender: 'gender' };

export class LabelsError extends Error {
  override name = 'LabelsError';
}

/**
 * Reads a labels CSV. The id is the column named `id`, else the first column. A file that cannot be labels at
 * all (not text, no header, no category column) is an error; single bad rows are collected as problems.
 */
export async function readLabels(path: string, columns: LabelColumns = KAGGLE_COLUMNS): Promise<LabelsTable> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(path));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new LabelsError(code === 'ENOENT' ? `labels file ${path} does not exist` : `labels file ${path} is not UTF-8 text`);
  }
  let rows;
  try {
    rows = parseCsv(text);
  } catch (error) {
    throw new LabelsError(`labels file ${path}: ${(error as CsvError).message}`);
  }
  const header = rows[0]?.fields.map((h) => h.trim());
  if (!header || rows.length < 2) throw new LabelsError(`labels file ${path} has no data rows`);
  const col = (name: string) => header.indexOf(name);
  const idCol = col('id') >= 0 ? col('id') : 0;
  const categoryCol = col(columns.category);
  if (categoryCol < 0) {
    throw new LabelsError(
      `labels file ${path} has no "${columns.category}" column (columns: ${header.join(', ')}); pass --category-column <name>`,
    );
  }
  const optional = (name: string) => (col(name) >= 0 ? col(name) : null);
  const colorCol = optional(columns.color);
  const nameCol = optional(columns.name);
  const genderCol = optional(columns.gender);
  const lastCol = header.length - 1;

  const byId = new Map<string, ProductLabel>();
  const problems: string[] = [];
  for (const { line, fields } of rows.slice(1)) {
    let cells = fields;
    if (cells.length > header.length && nameCol === lastCol) {
      // Kaggle's styles.csv has unquoted commas in the last column (the product name): re-join them.
      cells = [...cells.slice(0, lastCol), cells.slice(lastCol).join(',')];
    }
    if (cells.length !== header.length) {
      problems.push(`line ${line}: ${cells.length} fields, the header has ${header.length}`);
      continue;
    }
    const cell = (i: number | null) => (i === null ? null : cells[i]!.trim() || null);
    const id = cell(idCol);
    const category = cell(categoryCol);
    if (!id) {
      problems.push(`line ${line}: no id`);
      continue;
    }
    if (!category) {
      problems.push(`line ${line}: id ${id} has no ${columns.category}`);
      continue;
    }
    if (byId.has(id)) {
      problems.push(`line ${line}: id ${id} appears again (first row kept)`);
      continue;
    }
    byId.set(id, { id, line, category, color: cell(colorCol), name: cell(nameCol), gender: cell(genderCol) });
  }
  if (byId.size === 0) throw new LabelsError(`labels file ${path}: no usable rows (${problems.slice(0, 3).join('; ')})`);
  const missingColumns = [columns.color, columns.name, columns.gender].filter((name) => col(name) < 0);
  return { byId, problems, missingColumns };
}
