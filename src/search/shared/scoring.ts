import type { ArtifactManifest } from '../../artifacts/shared/format.js';
import type { FusionWeights } from './fusion.js';

/** The parameters that turned similarities into scores (manifest.search and manifest.calibration). */
export interface Scoring {
  readonly weights: FusionWeights;
  /** Text queries: share of words ↔ product photo; the rest is words ↔ product name. */
  readonly textPhotoWeight: number;
  readonly calibrate: boolean;
  readonly calibration: ArtifactManifest['calibration'];
}

export function scoringOf(manifest: Pick<ArtifactManifest, 'search' | 'calibration'>): Scoring {
  const { weights, textPhotoWeight, calibrate } = manifest.search;
  return { weights, textPhotoWeight, calibrate, calibration: manifest.calibration };
}
