import { describe, expect, it } from 'vitest';
import { shardBudgetsFromParams } from './shard-budgets.js';

describe('shard budgets from the page address', () => {
  it('reads megabytes into bytes', () => {
    expect(shardBudgetsFromParams(new URLSearchParams('shard-memory-mb=8&shard-storage-mb=0.5'))).toEqual({ memoryBytes: 8 * 2 ** 20, storedBytes: 2 ** 19 });
  });

  it('leaves the defaults where a value is absent or not a positive number', () => {
    expect(shardBudgetsFromParams(new URLSearchParams(''))).toEqual({});
    expect(shardBudgetsFromParams(new URLSearchParams('shard-memory-mb=&shard-storage-mb=-3'))).toEqual({});
    expect(shardBudgetsFromParams(new URLSearchParams('shard-memory-mb=lots&shard-storage-mb=Infinity'))).toEqual({});
  });
});
