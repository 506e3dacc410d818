/**
 * Bumped when pre-processing changes what an image embeds to: cached vectors are not reused, and an index built
 * with another recipe is stale.
 */
export const EMBEDDING_RECIPE = 2;
