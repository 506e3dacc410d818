;; Dot products of one float32 query with rows of signed 8-bit codes, and with rows of bits, in WASM SIMD128: the
;; inner loops of every compact-index scan (router centroids, inverted lists, second-signal rows) and of the 9-bit
;; re-rank. Rows are read one after another (`dots`, `bit_dots`) or by a list of row numbers (`…_at`: rows spread
;; over a code set that stays in this memory). Assembled by scripts/build-wasm.ts into dots-wasm.ts; the memory is
;; the caller's to lay out.
(module
  (memory (export "memory") 1)

  ;; Σ_j query[j] · row[j]: sixteen codes per step, widened to float32 and multiplied by the query in four float32x4
  ;; accumulators; a scalar tail takes widths not a multiple of 16.
  (func $dot_row (param $query i32) (param $row i32) (param $width i32) (result f32)
    (local $j i32) (local $q i32) (local $simd_width i32)
    (local $bytes v128) (local $half v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $acc3 v128)
    (local $sum f32)
    (local.set $simd_width (i32.and (local.get $width) (i32.const -16)))
    (local.set $q (local.get $query))
    (block $simd_done
      (loop $simd_loop
        (br_if $simd_done (i32.ge_u (local.get $j) (local.get $simd_width)))
        (local.set $bytes (v128.load (i32.add (local.get $row) (local.get $j))))
        (local.set $half (i16x8.extend_low_i8x16_s (local.get $bytes)))
        (local.set $acc0 (f32x4.add (local.get $acc0)
          (f32x4.mul (v128.load (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $half))))))
        (local.set $acc1 (f32x4.add (local.get $acc1)
          (f32x4.mul (v128.load offset=16 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $half))))))
        (local.set $half (i16x8.extend_high_i8x16_s (local.get $bytes)))
        (local.set $acc2 (f32x4.add (local.get $acc2)
          (f32x4.mul (v128.load offset=32 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $half))))))
        (local.set $acc3 (f32x4.add (local.get $acc3)
          (f32x4.mul (v128.load offset=48 (local.get $q)) (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $half))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (local.set $q (i32.add (local.get $q) (i32.const 64)))
        (br $simd_loop)))
    (local.set $acc0 (f32x4.add (f32x4.add (local.get $acc0) (local.get $acc1)) (f32x4.add (local.get $acc2) (local.get $acc3))))
    (local.set $sum (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
    (block $tail_done
      (loop $tail_loop
        (br_if $tail_done (i32.ge_u (local.get $j) (local.get $width)))
        (local.set $sum (f32.add (local.get $sum)
          (f32.mul (f32.load (local.get $q)) (f32.convert_i32_s (i32.load8_s (i32.add (local.get $row) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 4)))
        (br $tail_loop)))
    (local.get $sum))

  ;; Σ_j query[j] · bit j of row (width/8 bytes, LSB first): each byte's bits become lane masks that keep or zero
  ;; the query's coordinates.
  (func $bit_row (param $query i32) (param $row i32) (param $width i32) (result f32)
    (local $b i32) (local $row_bytes i32) (local $q i32)
    (local $byte v128) (local $acc0 v128) (local $acc1 v128)
    (local.set $row_bytes (i32.shr_u (local.get $width) (i32.const 3)))
    (local.set $q (local.get $query))
    (block $bytes_done
      (loop $bytes_loop
        (br_if $bytes_done (i32.ge_u (local.get $b) (local.get $row_bytes)))
        (local.set $byte (i32x4.splat (i32.load8_u (i32.add (local.get $row) (local.get $b)))))
        (local.set $acc0 (f32x4.add (local.get $acc0) (v128.and (v128.load (local.get $q))
          (i32x4.ne (v128.and (local.get $byte) (v128.const i32x4 1 2 4 8)) (v128.const i32x4 0 0 0 0)))))
        (local.set $acc1 (f32x4.add (local.get $acc1) (v128.and (v128.load offset=16 (local.get $q))
          (i32x4.ne (v128.and (local.get $byte) (v128.const i32x4 16 32 64 128)) (v128.const i32x4 0 0 0 0)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (local.set $q (i32.add (local.get $q) (i32.const 32)))
        (br $bytes_loop)))
    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
      (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))

  ;; out[r] = Σ_j query[j] · codes[r·width + j] for r < rows (query: width float32, codes: int8, out: rows float32).
  (func (export "dots") (param $query i32) (param $codes i32) (param $width i32) (param $rows i32) (param $out i32)
    (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (call $dot_row (local.get $query) (i32.add (local.get $codes) (i32.mul (local.get $r) (local.get $width))) (local.get $width)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; out[i] = Σ_j query[j] · codes[at[i]·width + j] for i < count (at: count uint32 row numbers).
  (func (export "dots_at") (param $query i32) (param $codes i32) (param $width i32) (param $at i32) (param $count i32) (param $out i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $dot_row (local.get $query)
            (i32.add (local.get $codes) (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (local.get $width)))
            (local.get $width)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  ;; out[r] = Σ_j query[j] · bit j of row r for r < rows (bits: rows·width/8 bytes; width a multiple of 8).
  (func (export "bit_dots") (param $query i32) (param $bits i32) (param $width i32) (param $rows i32) (param $out i32)
    (local $r i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (call $bit_row (local.get $query)
            (i32.add (local.get $bits) (i32.mul (local.get $r) (i32.shr_u (local.get $width) (i32.const 3)))) (local.get $width)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; out[i] = the same for row at[i], for i < count.
  (func (export "bit_dots_at") (param $query i32) (param $bits i32) (param $width i32) (param $at i32) (param $count i32) (param $out i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $bit_row (local.get $query)
            (i32.add (local.get $bits)
              (i32.mul (i32.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 2)))) (i32.shr_u (local.get $width) (i32.const 3))))
            (local.get $width)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
