import type { ConfidenceModel } from '../../artifacts/shared/config.js';
import { calibratedConfidence, modelInputs, type ConfidenceFeatures } from '../../search/shared/certainty.js';

/** One labelled photo as the confidence model sees it: its features, and whether the best guess was right. */
export interface ConfidenceExample {
  readonly features: ConfidenceFeatures;
  readonly right: boolean;
}

/**
 * Fits the logistic confidence model by Newton's method (iteratively reweighted least squares) with a small ridge
 * penalty, so that few parameters fit on a few thousand photos cannot run off on separable corners. The features
 * enter exactly as calibratedConfidence reads them (likeness clipped), through that function.
 */
export function fitConfidenceModel(examples: readonly ConfidenceExample[], { ridge = 1e-2, iterations = 50 } = {}): ConfidenceModel {
  if (examples.length === 0) throw new Error('no examples to fit the confidence model on');
  // The design row of an example: 1 for the intercept, then the features as the model reads them.
  const rows = examples.map((e) => [1, ...modelInputs(e.features)]);
  const size = rows[0]!.length;
  let beta = new Array<number>(size).fill(0);
  for (let it = 0; it < iterations; it++) {
    const gradient = beta.map((b) => ridge * b);
    const hessian = Array.from({ length: size }, (_, i) => Array.from({ length: size }, (_, j) => (i === j ? ridge : 0)));
    rows.forEach((x, n) => {
      const p = 1 / (1 + Math.exp(-x.reduce((sum, v, i) => sum + v * beta[i]!, 0)));
      const y = examples[n]!.right ? 1 : 0;
      for (let i = 0; i < size; i++) {
        gradient[i]! += (p - y) * x[i]!;
        for (let j = 0; j < size; j++) hessian[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    });
    const step = solve(hessian, gradient);
    beta = beta.map((b, i) => b - step[i]!);
    if (Math.max(...step.map(Math.abs)) < 1e-10) break;
  }
  const [intercept, topShare, likeness, agreement] = beta.map((b) => Math.round(b * 1e4) / 1e4) as [number, number, number, number];
  return { intercept, topShare, likeness, agreement };
}

/** Gaussian elimination with partial pivoting: A x = b for a small, symmetric positive definite A. */
function solve(matrix: readonly (readonly number[])[], vector: readonly number[]): number[] {
  const n = vector.length;
  const a = matrix.map((row, i) => [...row, vector[i]!]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r]![col]!) > Math.abs(a[pivot]![col]!)) pivot = r;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let r = col + 1; r < n; r++) {
      const f = a[r]![col]! / a[col]![col]!;
      for (let c = col; c <= n; c++) a[r]![c]! -= f * a[col]![c]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let sum = a[r]![n]!;
    for (let c = r + 1; c < n; c++) sum -= a[r]![c]! * x[c]!;
    x[r] = sum / a[r]![r]!;
  }
  return x;
}

/** What a threshold does on labelled photos: the share sent to confirmation, and the accuracy of the rest. */
export function thresholdOutcome(examples: readonly ConfidenceExample[], model: ConfidenceModel, threshold: number) {
  const confident = examples.filter((e) => calibratedConfidence(model, e.features) >= threshold);
  return {
    threshold,
    needs_confirmation_rate: examples.length === 0 ? null : 1 - confident.length / examples.length,
    accuracy_when_confident: confident.length === 0 ? null : confident.filter((e) => e.right).length / confident.length,
  };
}
