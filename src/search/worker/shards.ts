import type { FileProgress, VerifiedFile } from '../../assets/browser/download.js';
import type { FileCache } from '../../assets/browser/file-cache.js';
import { decodeCell } from '../../artifacts/shared/cells.js';
import { LruCellStore } from '../shared/compact-source.js';
import type { ShardBudgets } from '../shared/shard-budgets.js';

/**
 * A compact catalog's shards as the search reads them: decoded in memory under `budgets.memoryBytes`, each one
 * from IndexedDB or the network (`FileCache.shard`, stored under `budgets.storedBytes`) when it is not held.
 */
export function shardStore(cache: FileCache, shardFiles: readonly VerifiedFile[], budgets: ShardBudgets, onProgress: (file: FileProgress) => void): LruCellStore {
  return new LruCellStore(
    (i) => cache.shard(shardFiles[i]!, budgets.storedBytes, onProgress, (bytes) => decodeCell(bytes, shardFiles[i]!.path)),
    (i) => shardFiles[i]!.bytes,
    budgets.memoryBytes,
  );
}
