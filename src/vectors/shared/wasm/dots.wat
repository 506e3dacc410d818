;; Dot products of one query with rows of signed 8-bit codes, and with rows of bits, in WASM SIMD128: the
;; inner loops of every compact-index scan (router centroids, inverted lists, second-signal rows) and of the 9-bit
;; re-rank. Rows are read one after another (`dots`) or by a list of row numbers (`…_at`: rows spread over a
;; code set that stays in this memory). Assembled by scripts/build-wasm.ts into dots-wasm.ts; the memory is
;; the caller's to lay out.
(module
  (memory (export "memory") 1)

  ;; Σ_j query[j] · row[j], in integers: the query comes as one 16-bit integer per coordinate at $query, with
  ;; query[j] ≈ q[j] / S, where the caller picks S so that no 32-bit sum overflows and passes 1 / S. Sixteen codes per
  ;; step, widened to 16 bits and multiplied pairwise into 32-bit lanes (i32x4.dot_i16x8_s); a scalar tail takes
  ;; widths not a multiple of 16.
  (func $dot_row (param $query i32) (param $row i32) (param $width i32) (param $scale f64) (result f64)
    (local $j i32) (local $q i32) (local $simd_width i32) (local $bytes v128) (local $acc v128) (local $sum i32)
    (local.set $simd_width (i32.and (local.get $width) (i32.const -16)))
    (local.set $q (local.get $query))
    (block $simd_done
      (loop $simd_loop
        (br_if $simd_done (i32.ge_u (local.get $j) (local.get $simd_width)))
        (local.set $bytes (v128.load (i32.add (local.get $row) (local.get $j))))
        (local.set $acc (i32x4.add (local.get $acc) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $bytes)) (v128.load (local.get $q)))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $bytes)) (v128.load offset=16 (local.get $q))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $simd_loop)))
    (local.set $sum (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
    (block $tail_done
      (loop $tail_loop
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $sum (i32.add (local.get $sum)
          (i32.mul (i32.load8_s (i32.add (local.get $row) (local.get $j))) (i32.load16_s (local.get $q)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $tail_loop)))
    (f64.mul (f64.convert_i32_s (local.get $sum)) (local.get $scale)))

  ;; $dot_row for two rows at once, stored at $out and $out + 8: each step's query is loaded once for both.
  (func $dot_pair (param $query i32) (param $a i32) (param $b i32) (param $width i32) (param $scale f64) (param $out i32)
    (local $j i32) (local $q i32) (local $simd_width i32) (local $bytes v128) (local $q0 v128) (local $q1 v128)
    (local $acc_a v128) (local $acc_b v128) (local $sum_a i32) (local $sum_b i32) (local $qj i32)
    (local.set $simd_width (i32.and (local.get $width) (i32.const -16)))
    (local.set $q (local.get $query))
    (block $simd_done
      (loop $simd_loop
        (br_if $simd_done (i32.ge_u (local.get $j) (local.get $simd_width)))
        (local.set $q0 (v128.load (local.get $q)))
        (local.set $q1 (v128.load offset=16 (local.get $q)))
        (local.set $bytes (v128.load (i32.add (local.get $a) (local.get $j))))
        (local.set $acc_a (i32x4.add (local.get $acc_a) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $bytes)) (local.get $q0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $bytes)) (local.get $q1)))))
        (local.set $bytes (v128.load (i32.add (local.get $b) (local.get $j))))
        (local.set $acc_b (i32x4.add (local.get $acc_b) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $bytes)) (local.get $q0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $bytes)) (local.get $q1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $simd_loop)))
    (local.set $sum_a (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc_a)) (i32x4.extract_lane 1 (local.get $acc_a)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc_a)) (i32x4.extract_lane 3 (local.get $acc_a)))))
    (local.set $sum_b (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc_b)) (i32x4.extract_lane 1 (local.get $acc_b)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc_b)) (i32x4.extract_lane 3 (local.get $acc_b)))))
    (block $tail_done
      (loop $tail_loop
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $qj (i32.load16_s (local.get $q)))
        (local.set $sum_a (i32.add (local.get $sum_a) (i32.mul (i32.load8_s (i32.add (local.get $a) (local.get $j))) (local.get $qj))))
        (local.set $sum_b (i32.add (local.get $sum_b) (i32.mul (i32.load8_s (i32.add (local.get $b) (local.get $j))) (local.get $qj))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 2)))
        (br $tail_loop)))
    (f64.store (local.get $out) (f64.mul (f64.convert_i32_s (local.get $sum_a)) (local.get $scale)))
    (f64.store offset=8 (local.get $out) (f64.mul (f64.convert_i32_s (local.get $sum_b)) (local.get $scale))))

  ;; out[r] = Σ_j query[j] · codes[r·width + j] for r < rows (codes: int8, out: rows float64), two rows a step.
  (func (export "dots") (param $query i32) (param $scale f64) (param $codes i32) (param $width i32) (param $rows i32) (param $out i32)
    (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))
        (call $dot_pair (local.get $query) (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $width)))
          (i32.add (local.get $codes) (i32.mul (i32.add (local.get $r) (i32.const 1)) (local.get $width))) (local.get $width)
          (local.get $scale) (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $r) (local.get $rows))
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3)))
          (call $dot_row (local.get $query) (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $width))) (local.get $width) (local.get $scale))))))

  ;; out[i] = Σ_j query[j] · codes[at[i]·width + j] for i < count (at: count uint32 row numbers), two rows a step.
  (func (export "dots_at") (param $query i32) (param $scale f64) (param $codes i32) (param $width i32) (param $at i32) (param $count i32) (param $out i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $count)))
        (call $dot_pair (local.get $query)
          (i32.add (local.get $codes) (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
          (i32.add (local.get $codes) (i32.mul (i32.load offset=4 (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
          (local.get $width) (local.get $scale) (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $i) (local.get $count))
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (call $dot_row (local.get $query)
            (i32.add (local.get $codes) (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
            (local.get $width) (local.get $scale))))))

  ;; table[p·256 + v] = Σ_k (bit k of v) · query[8p + k] for p < width/8: the sum of the query's coordinates a
  ;; byte of bits selects, for every byte value, built by doubling (entries v + 2^k = entries v, plus query[8p + k]).
  (func (export "bit_table") (param $query i32) (param $width i32) (param $table i32)
    (local $p i32) (local $k i32) (local $v i32) (local $size i32) (local $t i32) (local $qk f32) (local $splat v128)
    (block $positions_done
      (loop $positions
        (br_if $positions_done (i32.ge_u (local.get $p) (i32.shr_u (local.get $width) (i32.const 3))))
        (local.set $t (i32.add (local.get $table) (i32.shl (local.get $p) (i32.const 10))))
        (f32.store (local.get $t) (f32.const 0))
        (local.set $size (i32.const 1))
        (local.set $k (i32.const 0))
        (block $bits_done
          (loop $bits
            (br_if $bits_done (i32.ge_u (local.get $k) (i32.const 8)))
            (local.set $qk (f32.load (i32.add (local.get $query) (i32.shl (i32.add (i32.shl (local.get $p) (i32.const 3)) (local.get $k)) (i32.const 2)))))
            (local.set $v (i32.const 0))
            (if (i32.lt_u (local.get $size) (i32.const 4))
              (then
                (block $scalar_done
                  (loop $scalar
                    (br_if $scalar_done (i32.ge_u (local.get $v) (local.get $size)))
                    (f32.store (i32.add (local.get $t) (i32.shl (i32.add (local.get $size) (local.get $v)) (i32.const 2)))
                      (f32.add (f32.load (i32.add (local.get $t) (i32.shl (local.get $v) (i32.const 2)))) (local.get $qk)))
                    (local.set $v (i32.add (local.get $v) (i32.const 1)))
                    (br $scalar))))
              (else
                (local.set $splat (f32x4.splat (local.get $qk)))
                (block $simd_done
                  (loop $simd
                    (br_if $simd_done (i32.ge_u (local.get $v) (local.get $size)))
                    (v128.store (i32.add (local.get $t) (i32.shl (i32.add (local.get $size) (local.get $v)) (i32.const 2)))
                      (f32x4.add (v128.load (i32.add (local.get $t) (i32.shl (local.get $v) (i32.const 2)))) (local.get $splat)))
                    (local.set $v (i32.add (local.get $v) (i32.const 4)))
                    (br $simd)))))
            (local.set $size (i32.shl (local.get $size) (i32.const 1)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $bits)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $positions))))

  ;; out[i] = Σ_j query[j] · bit j of row at[i] for i < count (bits: rows of width/8 bytes, LSB first; table: the
  ;; query's bit_table): one table entry per byte, in two accumulators.
  (func (export "bit_dots_at") (param $table i32) (param $bits i32) (param $width i32) (param $at i32) (param $count i32) (param $out i32)
    (local $i i32) (local $b i32) (local $row i32) (local $row_bytes i32) (local $t i32) (local $even f32) (local $odd f32)
    (local.set $row_bytes (i32.shr_u (local.get $width) (i32.const 3)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $row (i32.add (local.get $bits)
          (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $row_bytes))))
        (local.set $even (f32.const 0))
        (local.set $odd (f32.const 0))
        (local.set $t (local.get $table))
        (local.set $b (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.ge_u (i32.add (local.get $b) (i32.const 1)) (local.get $row_bytes)))
            (local.set $even (f32.add (local.get $even)
              (f32.load (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $row) (local.get $b))) (i32.const 2))))))
            (local.set $odd (f32.add (local.get $odd)
              (f32.load offset=1024 (i32.add (local.get $t) (i32.shl (i32.load8_u offset=1 (i32.add (local.get $row) (local.get $b))) (i32.const 2))))))
            (local.set $b (i32.add (local.get $b) (i32.const 2)))
            (local.set $t (i32.add (local.get $t) (i32.const 2048)))
            (br $pairs)))
        (if (i32.lt_u (local.get $b) (local.get $row_bytes))
          (then
            (local.set $even (f32.add (local.get $even)
              (f32.load (i32.add (local.get $t) (i32.shl (i32.load8_u (i32.add (local.get $row) (local.get $b))) (i32.const 2))))))))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (f32.add (local.get $even) (local.get $odd)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; Σ_j query[j] · row[j] in float32 for $count rows of $width float32 one after another from $rows, each into a
  ;; float64 at $out: eight products a step in two accumulators of four lanes (one accumulator waited on its own
  ;; additions: 7 µs for 74 rows of 512 against 4 µs), then four, then a scalar tail. (CLIP's zero-shot: a photo's
  ;; vector against every prompt's.)
  (func (export "float_dots") (param $query i32) (param $rows i32) (param $width i32) (param $count i32) (param $out i32)
    (local $r i32) (local $j i32) (local $row i32) (local $pair_bytes i32) (local $simd_bytes i32) (local $bytes i32)
    (local $acc v128) (local $acc2 v128) (local $sum f32)
    (local.set $bytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $pair_bytes (i32.and (local.get $bytes) (i32.const -32)))
    (local.set $simd_bytes (i32.and (local.get $bytes) (i32.const -16)))
    (local.set $row (local.get $rows))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $count)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $acc2 (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.ge_u (local.get $j) (local.get $pair_bytes)))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
              (v128.load (i32.add (local.get $query) (local.get $j)))
              (v128.load (i32.add (local.get $row) (local.get $j))))))
            (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul
              (v128.load offset=16 (i32.add (local.get $query) (local.get $j)))
              (v128.load offset=16 (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 32)))
            (br $pairs)))
        (if (i32.lt_u (local.get $j) (local.get $simd_bytes))
          (then
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul
              (v128.load (i32.add (local.get $query) (local.get $j)))
              (v128.load (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))))
        (local.set $acc (f32x4.add (local.get $acc) (local.get $acc2)))
        (local.set $sum (f32.add
          (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
          (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $j) (local.get $bytes)))
            (local.set $sum (f32.add (local.get $sum) (f32.mul
              (f32.load (i32.add (local.get $query) (local.get $j)))
              (f32.load (i32.add (local.get $row) (local.get $j))))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $tail)))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))) (f64.promote_f32 (local.get $sum)))
        (local.set $row (i32.add (local.get $row) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))
)
