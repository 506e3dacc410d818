/** Something the benchmark did not measure, and why (printed and written to the JSON). */
export interface Skip {
  readonly what: string;
  readonly reason: string;
}
