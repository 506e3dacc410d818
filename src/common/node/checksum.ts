import { createHash } from 'node:crypto';

/** SHA-256 as lowercase hex: how manifests and lock files pin every file. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
