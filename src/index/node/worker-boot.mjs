// Worker threads do not inherit tsx's loader: register it here, then run the TypeScript entry named in workerData.
import { tsImport } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

await tsImport(workerData.entry, import.meta.url);
