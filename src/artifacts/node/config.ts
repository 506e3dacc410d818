import { readConfig } from '../../common/node/paths.js';
import { validateIndexConfig, validateSearchConfig, type IndexConfig, type SearchConfig } from '../shared/config.js';

/** config/search.json: the index and search parameters a build bakes into its manifest, validated. */
export function loadSearchDefaults(): { index: IndexConfig; search: SearchConfig } {
  const { index, search } = readConfig<{ index: IndexConfig; search: SearchConfig }>('search.json');
  return { index: validateIndexConfig(index), search: validateSearchConfig(search) };
}
