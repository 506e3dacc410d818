import { join } from 'node:path';
import { PROJECT_ROOT } from '../../common/node/paths.js';

/** Graphs and ground truth of the ANN sets, kept between runs (keyed by everything that shapes them). */
export const BENCH_CACHE = join(PROJECT_ROOT, '.cache/bench');

/** This run's scratch space (built pages, sample catalogs and indexes), removed when the run ends. */
export const RUN_DIR = join(BENCH_CACHE, `run-${process.pid}`);
