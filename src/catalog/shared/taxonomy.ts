/** The zero-shot vocabulary (config/taxonomy.json): how categories and colours are put into words. */
export interface TaxonomyConfig {
  readonly categoryTemplates: readonly string[];
  readonly colorTemplates: readonly string[];
  readonly categoryPhrases: Readonly<Record<string, readonly string[]>>;
  readonly outOfStockCategories: readonly string[];
  readonly colors: readonly string[];
  /** Vocabulary for images that have no label. */
  readonly defaultCategories: readonly string[];
}

function phrasesOf(config: TaxonomyConfig, category: string): readonly string[] {
  return config.categoryPhrases[category] ?? [category.toLowerCase()];
}

/** Every prompt for one category: each template with each phrase. Their embeddings are averaged. */
export function categoryPrompts(config: TaxonomyConfig, category: string): string[] {
  return phrasesOf(config, category).flatMap((phrase) => config.categoryTemplates.map((t) => t.replaceAll('{}', phrase)));
}

/** Prompts for one colour of a product of a known category ("navy blue tshirts"). */
export function colorPrompts(config: TaxonomyConfig, color: string, category: string): string[] {
  const phrase = phrasesOf(config, category)[0]!;
  return config.colorTemplates.map((t) => t.replaceAll('{color}', color.toLowerCase()).replaceAll('{category}', phrase));
}

/**
 * The classifier's label set: what the catalog holds, then well-known categories it may lack (so a lipstick
 * photo is recognised as out of stock instead of being forced into the nearest category the shop has).
 */
export function classifierCategories(config: TaxonomyConfig, catalogCategories: readonly string[]): string[] {
  const seen = new Set<string>();
  return [...catalogCategories, ...config.defaultCategories, ...config.outOfStockCategories].filter((c) => {
    const key = categoryKey(c);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const knownKeys = new Map<string, string>();

/** Category names compare case- and space-insensitively ("t shirts" ≠ "Tshirts", but "casual  SHOES" = "Casual Shoes"). */
export function categoryKey(name: string): string {
  let key = knownKeys.get(name);
  if (key === undefined) {
    key = name.trim().toLowerCase().replace(/\s+/g, ' ');
    // A search asks for the keys of the same few hundred catalog names dozens of times; typed names could be anything.
    if (knownKeys.size >= 4_096) knownKeys.clear();
    knownKeys.set(name, key);
  }
  return key;
}

/** URL- and file-safe name for a category's index shard. */
export function categorySlug(name: string): string {
  const slug = categoryKey(name).replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  return slug || 'category';
}
