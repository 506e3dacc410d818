/** How much of a compact catalog's shards the worker keeps: decoded in memory, and stored on the device. */
export interface ShardBudgets {
  readonly memoryBytes: number;
  readonly storedBytes: number;
}

/**
 * Shard budgets a deployment sets in the page's address (`?shard-memory-mb=64&shard-storage-mb=200`): a kiosk
 * with little memory, or a test that wants evictions. Values that are not positive numbers are ignored.
 */
export function shardBudgetsFromParams(params: { get(name: string): string | null }): Partial<ShardBudgets> {
  const megabytes = (name: string) => {
    const raw = params.get(name);
    const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return value > 0 && Number.isFinite(value) ? Math.round(value * 2 ** 20) : undefined;
  };
  const memoryBytes = megabytes('shard-memory-mb');
  const storedBytes = megabytes('shard-storage-mb');
  return { ...(memoryBytes === undefined ? {} : { memoryBytes }), ...(storedBytes === undefined ? {} : { storedBytes }) };
}
