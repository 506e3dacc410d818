/** Bytes in the units people read: "512 B", "12.3 kB", "4.5 MB", "1.2 GB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  const [scale, unit] = bytes < 1e6 ? [1e3, 'kB'] : bytes < 1e9 ? [1e6, 'MB'] : [1e9, 'GB'];
  return `${(bytes / scale).toFixed(1)} ${unit}`;
}
