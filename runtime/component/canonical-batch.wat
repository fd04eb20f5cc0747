;; The host's per-record work on a component's batches (canonical-lower.ts), done in WebAssembly
;; on the guest's own memory with its own allocator: a JavaScript DataView read or write, or a
;; cabi_realloc call from JavaScript, per field cost more than the guest's filtering. Layouts as
;; in canonical-batch.ts.
;; Assembled by scripts/build-canonical-wasm.mjs into canonical-wasm.ts.
(module
  (import "guest" "memory" (memory 0))
  (import "guest" "realloc" (func $realloc (param i32 i32 i32 i32) (result i32)))

  ;; The option<list<u8>> whose ABI v1 length is at $p (below 0 = null) as 12 bytes at $at,
  ;; pointing at its bytes where they are. Returns the position after it, or -1 past $end.
  (func $lowerBytes (param $p i32) (param $at i32) (param $end i32) (result i32)
    (local $len i32)
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)) (then (return (i32.const -1))))
    (local.set $len (i32.load align=1 (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 4)))
    (if (i32.lt_s (local.get $len) (i32.const 0))
      (then
        (i32.store (local.get $at) (i32.const 0))
        (return (local.get $p))))
    (if (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))) (then (return (i32.const -1))))
    (i32.store (local.get $at) (i32.const 1))
    (i32.store offset=4 (local.get $at) (local.get $p))
    (i32.store offset=8 (local.get $at) (local.get $len))
    (i32.add (local.get $p) (local.get $len)))

  ;; Writes the $count records of the ABI v1 batch copied at [$copy, $end) as 48-byte
  ;; list<record> elements from $list, their keys and values pointing into the copy; a record's
  ;; header list pointer is left holding where its headers start in the copy (lowerHeaders in
  ;; canonical-lower.ts writes them). Returns the number of headers, or -1 when the batch is not
  ;; whole: cut short, a header count below 0, a null header key.
  (func (export "lower") (param $list i32) (param $copy i32) (param $end i32) (param $count i32) (result i32)
    (local $p i32) (local $base i32) (local $stop i32) (local $hc i32) (local $total i32) (local $len i32)
    (local.set $p (i32.add (local.get $copy) (i32.const 4)))
    (local.set $base (local.get $list))
    (local.set $stop (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 48))))
    (block $fail
      (block $done
        (loop $record
          (br_if $done (i32.ge_u (local.get $base) (local.get $stop)))
          (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 16)) (local.get $end)))
          (i64.store (local.get $base) (i64.load align=1 (local.get $p)))
          (i64.store offset=8 (local.get $base) (i64.load offset=8 align=1 (local.get $p)))
          (local.set $p (call $lowerBytes (i32.add (local.get $p) (i32.const 16)) (i32.add (local.get $base) (i32.const 16)) (local.get $end)))
          (br_if $fail (i32.eq (local.get $p) (i32.const -1)))
          (local.set $p (call $lowerBytes (local.get $p) (i32.add (local.get $base) (i32.const 28)) (local.get $end)))
          (br_if $fail (i32.eq (local.get $p) (i32.const -1)))
          (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
          (local.set $hc (i32.load align=1 (local.get $p)))
          (br_if $fail (i32.lt_s (local.get $hc) (i32.const 0)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (i32.store offset=40 (local.get $base) (local.get $p))
          (i32.store offset=44 (local.get $base) (local.get $hc))
          (local.set $total (i32.add (local.get $total) (local.get $hc)))
          ;; Skip the headers: a key (never null), then a value.
          (block $headersDone
            (loop $header
              (br_if $headersDone (i32.eqz (local.get $hc)))
              (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
              (local.set $len (i32.load align=1 (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br_if $fail (i32.lt_s (local.get $len) (i32.const 0)))
              (br_if $fail (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))))
              (local.set $p (i32.add (local.get $p) (local.get $len)))
              (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
              (local.set $len (i32.load align=1 (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (if (i32.ge_s (local.get $len) (i32.const 0))
                (then
                  (br_if $fail (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))))
                  (local.set $p (i32.add (local.get $p) (local.get $len)))))
              (local.set $hc (i32.sub (local.get $hc) (i32.const 1)))
              (br $header)))
          (local.set $base (i32.add (local.get $base) (i32.const 48)))
          (br $record)))
      (return (local.get $total)))
    (i32.const -1))

;; Checks the ABI v1 batch of $count records at [$copy, $end) is whole, as "lower" does, writing
  ;; nothing. Returns -1 when it is not, 1 when a header key has a byte above 0x7f (the host then
  ;; checks its UTF-8 itself), else 0.
  (func (export "scan") (param $copy i32) (param $end i32) (param $count i32) (result i32)
    (local $p i32) (local $hc i32) (local $len i32) (local $wide i32) (local $k i32)
    (local.set $p (i32.add (local.get $copy) (i32.const 4)))
    (block $fail
      (block $done
        (loop $record
          (br_if $done (i32.eqz (local.get $count)))
          (local.set $count (i32.sub (local.get $count) (i32.const 1)))
          (local.set $p (i32.add (local.get $p) (i32.const 16)))
          (local.set $p (call $skipBytes (local.get $p) (local.get $end)))
          (br_if $fail (i32.eq (local.get $p) (i32.const -1)))
          (local.set $p (call $skipBytes (local.get $p) (local.get $end)))
          (br_if $fail (i32.eq (local.get $p) (i32.const -1)))
          (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
          (local.set $hc (i32.load align=1 (local.get $p)))
          (br_if $fail (i32.lt_s (local.get $hc) (i32.const 0)))
          (local.set $p (i32.add (local.get $p) (i32.const 4)))
          (block $headersDone
            (loop $header
              (br_if $headersDone (i32.eqz (local.get $hc)))
              (br_if $fail (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)))
              (local.set $len (i32.load align=1 (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 4)))
              (br_if $fail (i32.lt_s (local.get $len) (i32.const 0)))
              (br_if $fail (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))))
              (local.set $k (local.get $p))
              (local.set $p (i32.add (local.get $p) (local.get $len)))
              (block $keyDone
                (loop $key
                  (br_if $keyDone (i32.ge_u (local.get $k) (local.get $p)))
                  (if (i32.gt_u (i32.load8_u (local.get $k)) (i32.const 0x7f)) (then (local.set $wide (i32.const 1))))
                  (local.set $k (i32.add (local.get $k) (i32.const 1)))
                  (br $key)))
              (local.set $p (call $skipBytes (local.get $p) (local.get $end)))
              (br_if $fail (i32.eq (local.get $p) (i32.const -1)))
              (local.set $hc (i32.sub (local.get $hc) (i32.const 1)))
              (br $header)))
          (br $record)))
      (return (local.get $wide)))
    (i32.const -1))

  ;; The position after the option<list<u8>> whose ABI v1 length is at $p, or -1 past $end.
  (func $skipBytes (param $p i32) (param $end i32) (result i32)
    (local $len i32)
    (if (i32.gt_u (i32.add (local.get $p) (i32.const 4)) (local.get $end)) (then (return (i32.const -1))))
    (local.set $len (i32.load align=1 (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 4)))
    (if (i32.lt_s (local.get $len) (i32.const 0)) (then (return (local.get $p))))
    (if (i32.gt_u (local.get $len) (i32.sub (local.get $end) (local.get $p))) (then (return (i32.const -1))))
    (i32.add (local.get $p) (local.get $len)))

  ;; The bytes at $p, $len of them, copied into an allocation of their own; returns its pointer.
  (func $copied (param $p i32) (param $len i32) (param $align i32) (result i32)
    (local $ptr i32)
    (local.set $ptr (call $realloc (i32.const 0) (i32.const 0) (local.get $align) (local.get $len)))
    (memory.copy (local.get $ptr) (local.get $p) (local.get $len))
    (local.get $ptr))

  ;; The option<list<u8>> whose ABI v1 length is at $p as 12 bytes at $at, its bytes in an
  ;; allocation of their own; returns the position after it.
  (func $lowerCopied (param $p i32) (param $at i32) (result i32)
    (local $len i32)
    (local.set $len (i32.load align=1 (local.get $p)))
    (local.set $p (i32.add (local.get $p) (i32.const 4)))
    (if (i32.lt_s (local.get $len) (i32.const 0))
      (then
        (i32.store (local.get $at) (i32.const 0))
        (return (local.get $p))))
    (i32.store (local.get $at) (i32.const 1))
    (i32.store offset=4 (local.get $at) (call $copied (local.get $p) (local.get $len) (i32.const 1)))
    (i32.store offset=8 (local.get $at) (local.get $len))
    (i32.add (local.get $p) (local.get $len)))

  ;; Writes the $count records of the ABI v1 batch copied at $copy (checked whole by "scan") as
  ;; list<record> elements from $list, every key, value, header list and header key in an
  ;; allocation of its own from the guest's cabi_realloc, as the canonical ABI lowers them.
  (func (export "lowerCopied") (param $list i32) (param $copy i32) (param $count i32)
    (local $p i32) (local $base i32) (local $stop i32) (local $hc i32) (local $hb i32) (local $len i32)
    (local.set $p (i32.add (local.get $copy) (i32.const 4)))
    (local.set $base (local.get $list))
    (local.set $stop (i32.add (local.get $list) (i32.mul (local.get $count) (i32.const 48))))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $base) (local.get $stop)))
        (i64.store (local.get $base) (i64.load align=1 (local.get $p)))
        (i64.store offset=8 (local.get $base) (i64.load offset=8 align=1 (local.get $p)))
        (local.set $p (call $lowerCopied (i32.add (local.get $p) (i32.const 16)) (i32.add (local.get $base) (i32.const 16))))
        (local.set $p (call $lowerCopied (local.get $p) (i32.add (local.get $base) (i32.const 28))))
        (local.set $hc (i32.load align=1 (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (local.set $hb (call $realloc (i32.const 0) (i32.const 0) (i32.const 4) (i32.mul (local.get $hc) (i32.const 20))))
        (i32.store offset=40 (local.get $base) (local.get $hb))
        (i32.store offset=44 (local.get $base) (local.get $hc))
        (block $headersDone
          (loop $header
            (br_if $headersDone (i32.eqz (local.get $hc)))
            (local.set $len (i32.load align=1 (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 4)))
            (i32.store (local.get $hb) (call $copied (local.get $p) (local.get $len) (i32.const 1)))
            (i32.store offset=4 (local.get $hb) (local.get $len))
            (local.set $p (call $lowerCopied (i32.add (local.get $p) (local.get $len)) (i32.add (local.get $hb) (i32.const 8))))
            (local.set $hb (i32.add (local.get $hb) (i32.const 20)))
            (local.set $hc (i32.sub (local.get $hc) (i32.const 1)))
            (br $header)))
        (local.set $base (i32.add (local.get $base) (i32.const 48)))
        (br $record))))

  ;; The option<list<u8>> at $at in its ABI v1 form at $o; returns the position after it.
  (func $liftBytes (param $at i32) (param $o i32) (result i32)
    (local $len i32)
    (if (i32.eqz (i32.load8_u (local.get $at)))
      (then
        (i32.store align=1 (local.get $o) (i32.const -1))
        (return (i32.add (local.get $o) (i32.const 4)))))
    (local.set $len (i32.load offset=8 (local.get $at)))
    (i32.store align=1 (local.get $o) (local.get $len))
    (memory.copy (i32.add (local.get $o) (i32.const 4)) (i32.load offset=4 (local.get $at)) (local.get $len))
    (i32.add (i32.add (local.get $o) (i32.const 4)) (local.get $len)))

  ;; Writes the list<record> of $len records at $list in its ABI v1 form at $dst; returns the
  ;; bytes written. Every pointer and length has been checked (liftedBatchSize) before.
  (func (export "lift") (param $list i32) (param $len i32) (param $dst i32) (result i32)
    (local $base i32) (local $stop i32) (local $o i32) (local $hb i32) (local $hstop i32) (local $keyLen i32)
    (i32.store align=1 (local.get $dst) (local.get $len))
    (local.set $o (i32.add (local.get $dst) (i32.const 4)))
    (local.set $base (local.get $list))
    (local.set $stop (i32.add (local.get $list) (i32.mul (local.get $len) (i32.const 48))))
    (block $done
      (loop $record
        (br_if $done (i32.ge_u (local.get $base) (local.get $stop)))
        (i64.store align=1 (local.get $o) (i64.load (local.get $base)))
        (i64.store offset=8 align=1 (local.get $o) (i64.load offset=8 (local.get $base)))
        (local.set $o (call $liftBytes (i32.add (local.get $base) (i32.const 16)) (i32.add (local.get $o) (i32.const 16))))
        (local.set $o (call $liftBytes (i32.add (local.get $base) (i32.const 28)) (local.get $o)))
        (i32.store align=1 (local.get $o) (i32.load offset=44 (local.get $base)))
        (local.set $o (i32.add (local.get $o) (i32.const 4)))
        (local.set $hb (i32.load offset=40 (local.get $base)))
        (local.set $hstop (i32.add (local.get $hb) (i32.mul (i32.load offset=44 (local.get $base)) (i32.const 20))))
        (block $headersDone
          (loop $header
            (br_if $headersDone (i32.ge_u (local.get $hb) (local.get $hstop)))
            (local.set $keyLen (i32.load offset=4 (local.get $hb)))
            (i32.store align=1 (local.get $o) (local.get $keyLen))
            (memory.copy (i32.add (local.get $o) (i32.const 4)) (i32.load (local.get $hb)) (local.get $keyLen))
            (local.set $o (call $liftBytes (i32.add (local.get $hb) (i32.const 8)) (i32.add (i32.add (local.get $o) (i32.const 4)) (local.get $keyLen))))
            (local.set $hb (i32.add (local.get $hb) (i32.const 20)))
            (br $header)))
        (local.set $base (i32.add (local.get $base) (i32.const 48)))
        (br $record)))
    (i32.sub (local.get $o) (local.get $dst))))
