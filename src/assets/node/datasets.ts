import { readConfig } from '../../common/node/paths.js';

export interface DatasetSpec {
  readonly description: string;
  readonly mirror: string;
  readonly checksums: string;
  readonly images: string;
  readonly labels: string;
}

/** config/datasets.json: the data sets `npm run setup` copies in, with their checksum lists. */
export const loadDatasets = (): Record<string, DatasetSpec> => readConfig<{ datasets: Record<string, DatasetSpec> }>('datasets.json').datasets;
