;; The five scalar benchmarks in hand-written WebAssembly text, for wasmtime and wasm3.
;; Definitions: benches/RESULTS.md, "Benchmark definitions"; the same algorithms as the
;; programs in benches/programs/ and the C and Lua peers.
;;
;;   wat2wasm benches/peers/wasm/bench.wat -o bench.wasm
;;   python3 benches/peers/wasm/run_wasm.py <wasmtime|wasm3> <bench> <runs> [label] [size]
;;
;; Exports: fib(i64) -> i64, loop(i64) -> i64, sieve(i32 n, i32 passes) -> i64,
;;          mandel(i32 n, i32 maxit) -> i64, nbody(i32 steps) -> f64.
;; Memory: bytes [0, 280) hold the 5 bodies (7 f64 each: x y z vx vy vz mass at offsets
;; 0..48); the sieve's flags start at 4096 (160 pages = 10 MiB: n <= 10,481,663).
(module
  (memory (export "memory") 160)

  ;; ------------------------------------------------------------------ 1. fib
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))

  ;; ------------------------------------------------------------------ 2. loop
  (func (export "loop") (param $n i64) (result i64)
    (local $i i64) (local $s i64)
    (block $done
      (loop $next
        (br_if $done (i64.ge_s (local.get $i) (local.get $n)))
        (local.set $s
          (i64.add (local.get $s)
            (i64.rem_s (i64.mul (local.get $i) (local.get $i)) (i64.const 7))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $s))

  ;; ------------------------------------------------------------------ 3. sieve
  (func (export "sieve") (param $n i32) (param $passes i32) (result i64)
    (local $pass i32) (local $i i32) (local $j i32) (local $count i64) (local $total i64)
    (local $flags i32)
    (local.set $flags (i32.const 4096))
    (block $passes_done
      (loop $pass_loop
        (br_if $passes_done (i32.ge_s (local.get $pass) (local.get $passes)))
        ;; flags[0..n] = 1
        (local.set $i (i32.const 0))
        (block $fill_done
          (loop $fill
            (br_if $fill_done (i32.gt_s (local.get $i) (local.get $n)))
            (i32.store8 (i32.add (local.get $flags) (local.get $i)) (i32.const 1))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $fill)))
        ;; cross out the multiples of each prime i with i*i <= n
        (local.set $i (i32.const 2))
        (block $outer_done
          (loop $outer
            (br_if $outer_done
              (i32.gt_s (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
            (if (i32.load8_u (i32.add (local.get $flags) (local.get $i)))
              (then
                (local.set $j (i32.mul (local.get $i) (local.get $i)))
                (block $inner_done
                  (loop $inner
                    (br_if $inner_done (i32.gt_s (local.get $j) (local.get $n)))
                    (i32.store8 (i32.add (local.get $flags) (local.get $j)) (i32.const 0))
                    (local.set $j (i32.add (local.get $j) (local.get $i)))
                    (br $inner)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $outer)))
        ;; count flags[2..n]
        (local.set $count (i64.const 0))
        (local.set $i (i32.const 2))
        (block $count_done
          (loop $count_loop
            (br_if $count_done (i32.gt_s (local.get $i) (local.get $n)))
            (if (i32.load8_u (i32.add (local.get $flags) (local.get $i)))
              (then (local.set $count (i64.add (local.get $count) (i64.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $count_loop)))
        (local.set $total (i64.add (local.get $total) (local.get $count)))
        (local.set $pass (i32.add (local.get $pass) (i32.const 1)))
        (br $pass_loop)))
    (local.get $total))

  ;; ------------------------------------------------------------------ 4. mandel
  (func (export "mandel") (param $n i32) (param $maxit i32) (result i64)
    (local $x i32) (local $y i32) (local $it i32) (local $count i64)
    (local $nf f64) (local $cr f64) (local $ci f64)
    (local $zr f64) (local $zi f64) (local $zr2 f64) (local $zi2 f64)
    (local.set $nf (f64.convert_i32_s (local.get $n)))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_s (local.get $y) (local.get $n)))
        ;; ci = (2.0*y)/n - 1.0
        (local.set $ci
          (f64.sub
            (f64.div (f64.mul (f64.const 2.0) (f64.convert_i32_s (local.get $y))) (local.get $nf))
            (f64.const 1.0)))
        (local.set $x (i32.const 0))
        (block $columns_done
          (loop $column
            (br_if $columns_done (i32.ge_s (local.get $x) (local.get $n)))
            ;; cr = (2.0*x)/n - 1.5
            (local.set $cr
              (f64.sub
                (f64.div (f64.mul (f64.const 2.0) (f64.convert_i32_s (local.get $x))) (local.get $nf))
                (f64.const 1.5)))
            (local.set $zr (f64.const 0.0))
            (local.set $zi (f64.const 0.0))
            (local.set $zr2 (f64.const 0.0))
            (local.set $zi2 (f64.const 0.0))
            (local.set $it (i32.const 0))
            (block $escaped
              (loop $iterate
                ;; while it < maxit && zr2 + zi2 <= 4.0
                (br_if $escaped (i32.ge_s (local.get $it) (local.get $maxit)))
                (br_if $escaped
                  (i32.eqz (f64.le (f64.add (local.get $zr2) (local.get $zi2)) (f64.const 4.0))))
                ;; zi = 2.0*zr*zi + ci; zr = zr2 - zi2 + cr
                (local.set $zi
                  (f64.add (f64.mul (f64.mul (f64.const 2.0) (local.get $zr)) (local.get $zi))
                           (local.get $ci)))
                (local.set $zr
                  (f64.add (f64.sub (local.get $zr2) (local.get $zi2)) (local.get $cr)))
                (local.set $zr2 (f64.mul (local.get $zr) (local.get $zr)))
                (local.set $zi2 (f64.mul (local.get $zi) (local.get $zi)))
                (local.set $it (i32.add (local.get $it) (i32.const 1)))
                (br $iterate)))
            (if (i32.eq (local.get $it) (local.get $maxit))
              (then (local.set $count (i64.add (local.get $count) (i64.const 1)))))
            (local.set $x (i32.add (local.get $x) (i32.const 1)))
            (br $column)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row)))
    (local.get $count))

  ;; ------------------------------------------------------------------ 5. nbody
  ;; one body at address $a: velocities * DAYS_PER_YEAR, mass * SOLAR_MASS
  (func $set_body (param $a i32) (param $x f64) (param $y f64) (param $z f64)
                  (param $vx f64) (param $vy f64) (param $vz f64) (param $mass f64)
    (local $solar_mass f64) (local $days_per_year f64)
    (local.set $solar_mass
      (f64.mul (f64.mul (f64.const 4.0) (f64.const 3.141592653589793)) (f64.const 3.141592653589793)))
    (local.set $days_per_year (f64.const 365.24))
    (f64.store offset=0 (local.get $a) (local.get $x))
    (f64.store offset=8 (local.get $a) (local.get $y))
    (f64.store offset=16 (local.get $a) (local.get $z))
    (f64.store offset=24 (local.get $a) (f64.mul (local.get $vx) (local.get $days_per_year)))
    (f64.store offset=32 (local.get $a) (f64.mul (local.get $vy) (local.get $days_per_year)))
    (f64.store offset=40 (local.get $a) (f64.mul (local.get $vz) (local.get $days_per_year)))
    (f64.store offset=48 (local.get $a) (f64.mul (local.get $mass) (local.get $solar_mass))))

  (func $init_bodies
    (local $a i32) (local $px f64) (local $py f64) (local $pz f64) (local $solar_mass f64)
    (local.set $solar_mass
      (f64.mul (f64.mul (f64.const 4.0) (f64.const 3.141592653589793)) (f64.const 3.141592653589793)))
    ;; Sun (mass 1.0 * SOLAR_MASS = SOLAR_MASS exactly)
    (call $set_body (i32.const 0) (f64.const 0) (f64.const 0) (f64.const 0)
      (f64.const 0) (f64.const 0) (f64.const 0) (f64.const 1))
    ;; Jupiter
    (call $set_body (i32.const 56)
      (f64.const 4.84143144246472090e+00) (f64.const -1.16032004402742839e+00)
      (f64.const -1.03622044471123109e-01) (f64.const 1.66007664274403694e-03)
      (f64.const 7.69901118419740425e-03) (f64.const -6.90460016972063023e-05)
      (f64.const 9.54791938424326609e-04))
    ;; Saturn
    (call $set_body (i32.const 112)
      (f64.const 8.34336671824457987e+00) (f64.const 4.12479856412430479e+00)
      (f64.const -4.03523417114321381e-01) (f64.const -2.76742510726862411e-03)
      (f64.const 4.99852801234917238e-03) (f64.const 2.30417297573763929e-05)
      (f64.const 2.85885980666130812e-04))
    ;; Uranus
    (call $set_body (i32.const 168)
      (f64.const 1.28943695621391310e+01) (f64.const -1.51111514016986312e+01)
      (f64.const -2.23307578892655734e-01) (f64.const 2.96460137564761618e-03)
      (f64.const 2.37847173959480950e-03) (f64.const -2.96589568540237556e-05)
      (f64.const 4.36624404335156298e-05))
    ;; Neptune
    (call $set_body (i32.const 224)
      (f64.const 1.53796971148509165e+01) (f64.const -2.59193146099879641e+01)
      (f64.const 1.79258772950371181e-01) (f64.const 2.68067772490389322e-03)
      (f64.const 1.62824170038242295e-03) (f64.const -9.51592254519715870e-05)
      (f64.const 5.15138902046611451e-05))
    ;; offset momentum: p = sum v*m; v_sun = -p / SOLAR_MASS
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $a) (i32.const 280)))
        (local.set $px (f64.add (local.get $px)
          (f64.mul (f64.load offset=24 (local.get $a)) (f64.load offset=48 (local.get $a)))))
        (local.set $py (f64.add (local.get $py)
          (f64.mul (f64.load offset=32 (local.get $a)) (f64.load offset=48 (local.get $a)))))
        (local.set $pz (f64.add (local.get $pz)
          (f64.mul (f64.load offset=40 (local.get $a)) (f64.load offset=48 (local.get $a)))))
        (local.set $a (i32.add (local.get $a) (i32.const 56)))
        (br $next)))
    (f64.store offset=24 (i32.const 0) (f64.div (f64.neg (local.get $px)) (local.get $solar_mass)))
    (f64.store offset=32 (i32.const 0) (f64.div (f64.neg (local.get $py)) (local.get $solar_mass)))
    (f64.store offset=40 (i32.const 0) (f64.div (f64.neg (local.get $pz)) (local.get $solar_mass))))

  (func $advance (param $dt f64)
    (local $ai i32) (local $aj i32)
    (local $dx f64) (local $dy f64) (local $dz f64) (local $d2 f64) (local $mag f64)
    (local $mi f64) (local $mj f64)
    (block $pairs_done
      (loop $body_i
        (br_if $pairs_done (i32.ge_s (local.get $ai) (i32.const 280)))
        (local.set $aj (i32.add (local.get $ai) (i32.const 56)))
        (block $j_done
          (loop $body_j
            (br_if $j_done (i32.ge_s (local.get $aj) (i32.const 280)))
            (local.set $dx (f64.sub (f64.load offset=0 (local.get $ai)) (f64.load offset=0 (local.get $aj))))
            (local.set $dy (f64.sub (f64.load offset=8 (local.get $ai)) (f64.load offset=8 (local.get $aj))))
            (local.set $dz (f64.sub (f64.load offset=16 (local.get $ai)) (f64.load offset=16 (local.get $aj))))
            (local.set $d2
              (f64.add (f64.add (f64.mul (local.get $dx) (local.get $dx))
                                (f64.mul (local.get $dy) (local.get $dy)))
                       (f64.mul (local.get $dz) (local.get $dz))))
            (local.set $mag
              (f64.div (local.get $dt) (f64.mul (local.get $d2) (f64.sqrt (local.get $d2)))))
            (local.set $mi (f64.mul (f64.load offset=48 (local.get $ai)) (local.get $mag)))
            (local.set $mj (f64.mul (f64.load offset=48 (local.get $aj)) (local.get $mag)))
            (f64.store offset=24 (local.get $ai)
              (f64.sub (f64.load offset=24 (local.get $ai)) (f64.mul (local.get $dx) (local.get $mj))))
            (f64.store offset=32 (local.get $ai)
              (f64.sub (f64.load offset=32 (local.get $ai)) (f64.mul (local.get $dy) (local.get $mj))))
            (f64.store offset=40 (local.get $ai)
              (f64.sub (f64.load offset=40 (local.get $ai)) (f64.mul (local.get $dz) (local.get $mj))))
            (f64.store offset=24 (local.get $aj)
              (f64.add (f64.load offset=24 (local.get $aj)) (f64.mul (local.get $dx) (local.get $mi))))
            (f64.store offset=32 (local.get $aj)
              (f64.add (f64.load offset=32 (local.get $aj)) (f64.mul (local.get $dy) (local.get $mi))))
            (f64.store offset=40 (local.get $aj)
              (f64.add (f64.load offset=40 (local.get $aj)) (f64.mul (local.get $dz) (local.get $mi))))
            (local.set $aj (i32.add (local.get $aj) (i32.const 56)))
            (br $body_j)))
        (local.set $ai (i32.add (local.get $ai) (i32.const 56)))
        (br $body_i)))
    (local.set $ai (i32.const 0))
    (block $moves_done
      (loop $move
        (br_if $moves_done (i32.ge_s (local.get $ai) (i32.const 280)))
        (f64.store offset=0 (local.get $ai)
          (f64.add (f64.load offset=0 (local.get $ai)) (f64.mul (local.get $dt) (f64.load offset=24 (local.get $ai)))))
        (f64.store offset=8 (local.get $ai)
          (f64.add (f64.load offset=8 (local.get $ai)) (f64.mul (local.get $dt) (f64.load offset=32 (local.get $ai)))))
        (f64.store offset=16 (local.get $ai)
          (f64.add (f64.load offset=16 (local.get $ai)) (f64.mul (local.get $dt) (f64.load offset=40 (local.get $ai)))))
        (local.set $ai (i32.add (local.get $ai) (i32.const 56)))
        (br $move))))

  (func $energy (result f64)
    (local $ai i32) (local $aj i32) (local $e f64)
    (local $dx f64) (local $dy f64) (local $dz f64) (local $vx f64) (local $vy f64) (local $vz f64)
    (block $done
      (loop $body_i
        (br_if $done (i32.ge_s (local.get $ai) (i32.const 280)))
        (local.set $vx (f64.load offset=24 (local.get $ai)))
        (local.set $vy (f64.load offset=32 (local.get $ai)))
        (local.set $vz (f64.load offset=40 (local.get $ai)))
        ;; e += 0.5 * m_i * (vx*vx + vy*vy + vz*vz)
        (local.set $e (f64.add (local.get $e)
          (f64.mul (f64.mul (f64.const 0.5) (f64.load offset=48 (local.get $ai)))
                   (f64.add (f64.add (f64.mul (local.get $vx) (local.get $vx))
                                     (f64.mul (local.get $vy) (local.get $vy)))
                            (f64.mul (local.get $vz) (local.get $vz))))))
        (local.set $aj (i32.add (local.get $ai) (i32.const 56)))
        (block $j_done
          (loop $body_j
            (br_if $j_done (i32.ge_s (local.get $aj) (i32.const 280)))
            (local.set $dx (f64.sub (f64.load offset=0 (local.get $ai)) (f64.load offset=0 (local.get $aj))))
            (local.set $dy (f64.sub (f64.load offset=8 (local.get $ai)) (f64.load offset=8 (local.get $aj))))
            (local.set $dz (f64.sub (f64.load offset=16 (local.get $ai)) (f64.load offset=16 (local.get $aj))))
            ;; e -= (m_i * m_j) / sqrt(dx*dx + dy*dy + dz*dz)
            (local.set $e (f64.sub (local.get $e)
              (f64.div (f64.mul (f64.load offset=48 (local.get $ai)) (f64.load offset=48 (local.get $aj)))
                       (f64.sqrt (f64.add (f64.add (f64.mul (local.get $dx) (local.get $dx))
                                                   (f64.mul (local.get $dy) (local.get $dy)))
                                          (f64.mul (local.get $dz) (local.get $dz)))))))
            (local.set $aj (i32.add (local.get $aj) (i32.const 56)))
            (br $body_j)))
        (local.set $ai (i32.add (local.get $ai) (i32.const 56)))
        (br $body_i)))
    (local.get $e))

  (func (export "nbody") (param $steps i32) (result f64)
    (local $step i32)
    (call $init_bodies)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $step) (local.get $steps)))
        (call $advance (f64.const 0.01))
        (local.set $step (i32.add (local.get $step) (i32.const 1)))
        (br $next)))
    (call $energy))
)
