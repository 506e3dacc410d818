;; Dot products of one query with rows of signed 8-bit codes, and with rows of bits, in WASM SIMD128: the
;; inner loops of every compact-index scan (router centroids, inverted lists, second-signal rows) and of the 9-bit
;; re-rank. Rows are read one after another (`dots`) or by a list of row numbers (`…_at`: rows spread over a
;; code set that stays in this memory). Assembled by scripts/build-wasm.ts into dots-wasm.ts; the memory is
;; the caller's to lay out.
(module
  (memory (export "memory") 1)

  ;; Σ_j query[j] · row[j], exactly in integers: the query comes as two 16-bit limbs per coordinate, hi at $limbs
  ;; and lo at $limbs + 2·(width rounded up to 16), with query[j] ≈ (hi[j]·2^L + lo[j]) / S; the caller picks L and S
  ;; so that no 32-bit sum overflows and passes 2^L / S and 1 / S. Sixteen codes per step, widened to 16 bits and
  ;; multiplied pairwise into 32-bit lanes (i32x4.dot_i16x8_s); a scalar tail takes widths not a multiple of 16.
  (func $dot_row (param $limbs i32) (param $row i32) (param $width i32) (param $hi_scale f64) (param $lo_scale f64) (result f64)
    (local $j i32) (local $hq i32) (local $lq i32) (local $simd_width i32)
    (local $bytes v128) (local $codes v128)
    (local $hi0 v128) (local $hi1 v128) (local $lo0 v128) (local $lo1 v128)
    (local $hi i32) (local $lo i32) (local $code i32)
    (local.set $simd_width (i32.and (local.get $width) (i32.const -16)))
    (local.set $hq (local.get $limbs))
    (local.set $lq (i32.add (local.get $limbs) (i32.shl (i32.and (i32.add (local.get $width) (i32.const 15)) (i32.const -16)) (i32.const 1))))
    (block $simd_done
      (loop $simd_loop
        (br_if $simd_done (i32.ge_u (local.get $j) (local.get $simd_width)))
        (local.set $bytes (v128.load (i32.add (local.get $row) (local.get $j))))
        (local.set $codes (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $hi0 (i32x4.add (local.get $hi0) (i32x4.dot_i16x8_s (local.get $codes) (v128.load (local.get $hq)))))
        (local.set $lo0 (i32x4.add (local.get $lo0) (i32x4.dot_i16x8_s (local.get $codes) (v128.load (local.get $lq)))))
        (local.set $codes (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (local.set $hi1 (i32x4.add (local.get $hi1) (i32x4.dot_i16x8_s (local.get $codes) (v128.load offset=16 (local.get $hq)))))
        (local.set $lo1 (i32x4.add (local.get $lo1) (i32x4.dot_i16x8_s (local.get $codes) (v128.load offset=16 (local.get $lq)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $hq (i32.add (local.get $hq) (i32.const 32)))
        (local.set $lq (i32.add (local.get $lq) (i32.const 32)))
        (br $simd_loop)))
    (local.set $hi0 (i32x4.add (local.get $hi0) (local.get $hi1)))
    (local.set $lo0 (i32x4.add (local.get $lo0) (local.get $lo1)))
    (local.set $hi (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $hi0)) (i32x4.extract_lane 1 (local.get $hi0)))
      (i32.add (i32x4.extract_lane 2 (local.get $hi0)) (i32x4.extract_lane 3 (local.get $hi0)))))
    (local.set $lo (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $lo0)) (i32x4.extract_lane 1 (local.get $lo0)))
      (i32.add (i32x4.extract_lane 2 (local.get $lo0)) (i32x4.extract_lane 3 (local.get $lo0)))))
    (block $tail_done
      (loop $tail_loop
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $code (i32.load8_s (i32.add (local.get $row) (local.get $j))))
        (local.set $hi (i32.add (local.get $hi) (i32.mul (local.get $code) (i32.load16_s (local.get $hq)))))
        (local.set $lo (i32.add (local.get $lo) (i32.mul (local.get $code) (i32.load16_s (local.get $lq)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $hq (i32.add (local.get $hq) (i32.const 2)))
        (local.set $lq (i32.add (local.get $lq) (i32.const 2)))
        (br $tail_loop)))
    (f64.add
      (f64.mul (f64.convert_i32_s (local.get $hi)) (local.get $hi_scale))
      (f64.mul (f64.convert_i32_s (local.get $lo)) (local.get $lo_scale))))

;; $dot_row for two rows at once, stored at $out and $out + 8: each step's query limbs are loaded once for both.
  (func $dot_pair (param $limbs i32) (param $a i32) (param $b i32) (param $width i32) (param $hi_scale f64) (param $lo_scale f64) (param $out i32)
    (local $j i32) (local $hq i32) (local $lq i32) (local $simd_width i32)
    (local $codes v128) (local $h0 v128) (local $h1 v128) (local $l0 v128) (local $l1 v128)
    (local $ha v128) (local $la v128) (local $hb v128) (local $lb v128)
    (local $hi_a i32) (local $lo_a i32) (local $hi_b i32) (local $lo_b i32) (local $code i32) (local $h i32) (local $l i32)
    (local.set $simd_width (i32.and (local.get $width) (i32.const -16)))
    (local.set $hq (local.get $limbs))
    (local.set $lq (i32.add (local.get $limbs) (i32.shl (i32.and (i32.add (local.get $width) (i32.const 15)) (i32.const -16)) (i32.const 1))))
    (block $simd_done
      (loop $simd_loop
        (br_if $simd_done (i32.ge_u (local.get $j) (local.get $simd_width)))
        (local.set $h0 (v128.load (local.get $hq)))
        (local.set $h1 (v128.load offset=16 (local.get $hq)))
        (local.set $l0 (v128.load (local.get $lq)))
        (local.set $l1 (v128.load offset=16 (local.get $lq)))
        (local.set $codes (v128.load (i32.add (local.get $a) (local.get $j))))
        (local.set $ha (i32x4.add (local.get $ha) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $h0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $h1)))))
        (local.set $la (i32x4.add (local.get $la) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $l0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $l1)))))
        (local.set $codes (v128.load (i32.add (local.get $b) (local.get $j))))
        (local.set $hb (i32x4.add (local.get $hb) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $h0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $h1)))))
        (local.set $lb (i32x4.add (local.get $lb) (i32x4.add
          (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $codes)) (local.get $l0))
          (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $codes)) (local.get $l1)))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $hq (i32.add (local.get $hq) (i32.const 32)))
        (local.set $lq (i32.add (local.get $lq) (i32.const 32)))
        (br $simd_loop)))
    (local.set $hi_a (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $ha)) (i32x4.extract_lane 1 (local.get $ha)))
      (i32.add (i32x4.extract_lane 2 (local.get $ha)) (i32x4.extract_lane 3 (local.get $ha)))))
    (local.set $lo_a (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $la)) (i32x4.extract_lane 1 (local.get $la)))
      (i32.add (i32x4.extract_lane 2 (local.get $la)) (i32x4.extract_lane 3 (local.get $la)))))
    (local.set $hi_b (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $hb)) (i32x4.extract_lane 1 (local.get $hb)))
      (i32.add (i32x4.extract_lane 2 (local.get $hb)) (i32x4.extract_lane 3 (local.get $hb)))))
    (local.set $lo_b (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $lb)) (i32x4.extract_lane 1 (local.get $lb)))
      (i32.add (i32x4.extract_lane 2 (local.get $lb)) (i32x4.extract_lane 3 (local.get $lb)))))
    (block $tail_done
      (loop $tail_loop
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $h (i32.load16_s (local.get $hq)))
        (local.set $l (i32.load16_s (local.get $lq)))
        (local.set $code (i32.load8_s (i32.add (local.get $a) (local.get $j))))
        (local.set $hi_a (i32.add (local.get $hi_a) (i32.mul (local.get $code) (local.get $h))))
        (local.set $lo_a (i32.add (local.get $lo_a) (i32.mul (local.get $code) (local.get $l))))
        (local.set $code (i32.load8_s (i32.add (local.get $b) (local.get $j))))
        (local.set $hi_b (i32.add (local.get $hi_b) (i32.mul (local.get $code) (local.get $h))))
        (local.set $lo_b (i32.add (local.get $lo_b) (i32.mul (local.get $code) (local.get $l))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $hq (i32.add (local.get $hq) (i32.const 2)))
        (local.set $lq (i32.add (local.get $lq) (i32.const 2)))
        (br $tail_loop)))
    (f64.store (local.get $out) (f64.add
      (f64.mul (f64.convert_i32_s (local.get $hi_a)) (local.get $hi_scale))
      (f64.mul (f64.convert_i32_s (local.get $lo_a)) (local.get $lo_scale))))
    (f64.store offset=8 (local.get $out) (f64.add
      (f64.mul (f64.convert_i32_s (local.get $hi_b)) (local.get $hi_scale))
      (f64.mul (f64.convert_i32_s (local.get $lo_b)) (local.get $lo_scale)))))

  ;; out[r] = Σ_j query[j] · codes[r·width + j] for r < rows (codes: int8, out: rows float64; the query as limbs), two
  ;; rows a step.
  (func (export "dots") (param $limbs i32) (param $hi_scale f64) (param $lo_scale f64) (param $codes i32) (param $width i32) (param $rows i32) (param $out i32)
    (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $r) (i32.const 1)) (local.get $rows)))
        (call $dot_pair (local.get $limbs) (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $width)))
          (i32.add (local.get $codes) (i32.mul (i32.add (local.get $r) (i32.const 1)) (local.get $width))) (local.get $width)
          (local.get $hi_scale) (local.get $lo_scale) (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3))))
        (local.set $r (i32.add (local.get $r) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $r) (local.get $rows))
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 3)))
          (call $dot_row (local.get $limbs) (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $width))) (local.get $width)
            (local.get $hi_scale) (local.get $lo_scale))))))

  ;; out[i] = Σ_j query[j] · codes[at[i]·width + j] for i < count (at: count uint32 row numbers).
  (func (export "dots_at") (param $limbs i32) (param $hi_scale f64) (param $lo_scale f64) (param $codes i32) (param $width i32) (param $at i32) (param $count i32) (param $out i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $count)))
        (call $dot_pair (local.get $limbs)
          (i32.add (local.get $codes) (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
          (i32.add (local.get $codes) (i32.mul (i32.load offset=4 (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
          (local.get $width) (local.get $hi_scale) (local.get $lo_scale) (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $next)))
    (if (i32.lt_u (local.get $i) (local.get $count))
      (then
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (call $dot_row (local.get $limbs)
            (i32.add (local.get $codes) (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
            (local.get $width) (local.get $hi_scale) (local.get $lo_scale))))))

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
)
