; nbody.asm: the Benchmarks Game n-body simulation, 5 bodies, f64.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"):
;   Sun, Jupiter, Saturn, Uranus, Neptune with the standard constants; velocities
;   times DAYS_PER_YEAR = 365.24, masses times SOLAR_MASS = 4.0*PI*PI; momentum offset on
;   the Sun (v_sun = -p / SOLAR_MASS). dt = 0.01. Per step, for each pair i < j:
;     d = p_i - p_j; d2 = dx*dx + dy*dy + dz*dz; mag = dt / (d2 * sqrt(d2))
;     mi = m_i*mag; mj = m_j*mag; v_i -= d*mj; v_j += d*mi
;   then p += dt*v for every body. The energy
;     e = sum_i 0.5*m_i*(vx*vx + vy*vy + vz*vz) - sum_{i<j} (m_i*m_j) / |p_i - p_j|
;   is printed with 9 decimals: steps = 1,000,000 -> -0.169086185
;   (1000 steps -> -0.169087605, 0 steps -> -0.169075164).
;
;   adead-vm run benches/programs/nbody.asm 1000000   ; prints -0.169086185
;
; main(steps) prints the energy with print_fixed (9 digits) and halts. Every f64
; operation is the C code's (benches/peers/c/bench.c), with the same operands in the
; same order, so the result is bit-identical to C's. The code is what a compiler
; would make of it:
; - the constants below are copied into `bodies` and scaled at the start of main (as C
;   does with its initialiser), so main can run again on the same instance;
; - body i's position and mass are loaded once per i; its velocity stays in registers
;   through its pairs (j > i never aliases i) and is stored after them;
; - body i's position update (p_i += dt*v_i) follows its last pair at once instead of
;   in a separate loop: after its pairs, no later pair of the step reads body i, and
;   v_i is final, so the operations and their results are those of C's second loop.
; Per step: 10 pairs of 37 instructions, 4 x 22 for bodies 0..3, 15 for body 4, 3 for
; the step loop: 476 instructions.

.import print_fixed params=2

; x y z vx vy vz mass per body (7 f64, 56 bytes); velocities in AU/day, masses in solar
; masses (the Sun's is 1.0: 1.0*SOLAR_MASS is SOLAR_MASS exactly)
.data constants
    .f64 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0
    .f64 4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01
    .f64 1.66007664274403694e-03, 7.69901118419740425e-03, -6.90460016972063023e-05
    .f64 9.54791938424326609e-04
    .f64 8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01
    .f64 -2.76742510726862411e-03, 4.99852801234917238e-03, 2.30417297573763929e-05
    .f64 2.85885980666130812e-04
    .f64 1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01
    .f64 2.96460137564761618e-03, 2.37847173959480950e-03, -2.96589568540237556e-05
    .f64 4.36624404335156298e-05
    .f64 1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01
    .f64 2.68067772490389322e-03, 1.62824170038242295e-03, -9.51592254519715870e-05
    .f64 5.15138902046611451e-05

; the simulated state, same layout: x@0 y@8 z@16 vx@24 vy@32 vz@40 mass@48
.data bodies
    .zero 280

.func main params=1 regs=48
    ; r0 steps, r1 &bodies[0], r2 end of bodies, r3 dt, r4 step, r20 &bodies[4]
    movi r1, @bodies
    addi r2, r1, 280
    addi r20, r1, 224
    fmovi r3, 0.01

    ; ---- initialise: bodies = constants, velocities * DAYS_PER_YEAR, masses * SOLAR_MASS
    fmovi r6, 3.141592653589793
    fmovi r7, 4.0
    fmul r7, r7, r6
    fmul r7, r7, r6             ; r7 = SOLAR_MASS = 4.0*PI*PI
    fmovi r8, 365.24            ; DAYS_PER_YEAR
    mov r9, r1                  ; destination body
    movi r10, @constants        ; source body
init:
    fld64 r11, r10, 0
    fst64 r9, 0, r11
    fld64 r11, r10, 8
    fst64 r9, 8, r11
    fld64 r11, r10, 16
    fst64 r9, 16, r11
    fld64 r11, r10, 24
    fmul r11, r11, r8
    fst64 r9, 24, r11
    fld64 r11, r10, 32
    fmul r11, r11, r8
    fst64 r9, 32, r11
    fld64 r11, r10, 40
    fmul r11, r11, r8
    fst64 r9, 40, r11
    fld64 r11, r10, 48
    fmul r11, r11, r7
    fst64 r9, 48, r11
    addi r9, r9, 56
    addi r10, r10, 56
    blt r9, r2, init

    ; ---- offset momentum: p = sum v*m; v_sun = -p / SOLAR_MASS
    fmovi r12, 0.0              ; px
    fmovi r13, 0.0              ; py
    fmovi r14, 0.0              ; pz
    mov r9, r1
momentum:
    fld64 r15, r9, 48           ; mass
    fld64 r11, r9, 24
    fmul r11, r11, r15
    fadd r12, r12, r11          ; px += vx*mass
    fld64 r11, r9, 32
    fmul r11, r11, r15
    fadd r13, r13, r11          ; py += vy*mass
    fld64 r11, r9, 40
    fmul r11, r11, r15
    fadd r14, r14, r11          ; pz += vz*mass
    addi r9, r9, 56
    blt r9, r2, momentum
    fneg r12, r12
    fdiv r12, r12, r7
    fst64 r1, 24, r12           ; sun vx = -px / SOLAR_MASS
    fneg r13, r13
    fdiv r13, r13, r7
    fst64 r1, 32, r13
    fneg r14, r14
    fdiv r14, r14, r7
    fst64 r1, 40, r14

    ; ---- advance `steps` times
    ; r21 &b[i], r22 &b[j]; body i: r23 x, r24 y, r25 z, r26 mass, r27 vx, r28 vy, r29 vz
    ; pair: r30 dx, r31 dy, r32 dz, r33 d2, r34 scratch, r35 mag, r36 mi, r37 mj, r38 v_j
    movi r4, 0
    bge r4, r0, energy          ; steps <= 0
step:
    mov r21, r1                 ; i = 0
body_i:
    fld64 r23, r21, 0
    fld64 r24, r21, 8
    fld64 r25, r21, 16
    fld64 r26, r21, 48
    fld64 r27, r21, 24
    fld64 r28, r21, 32
    fld64 r29, r21, 40
    addi r22, r21, 56           ; j = i + 1 (i <= 3, so there is one)
pair:
    fld64 r30, r22, 0
    fsub r30, r23, r30          ; dx = x_i - x_j
    fld64 r31, r22, 8
    fsub r31, r24, r31          ; dy
    fld64 r32, r22, 16
    fsub r32, r25, r32          ; dz
    fmul r33, r30, r30
    fmul r34, r31, r31
    fadd r33, r33, r34
    fmul r34, r32, r32
    fadd r33, r33, r34          ; d2 = dx*dx + dy*dy + dz*dz
    fsqrt r34, r33
    fmul r34, r33, r34
    fdiv r35, r3, r34           ; mag = dt / (d2 * sqrt(d2))
    fmul r36, r26, r35          ; mi = m_i * mag
    fld64 r37, r22, 48
    fmul r37, r37, r35          ; mj = m_j * mag
    fmul r34, r30, r37
    fsub r27, r27, r34          ; vx_i -= dx * mj
    fmul r34, r31, r37
    fsub r28, r28, r34          ; vy_i -= dy * mj
    fmul r34, r32, r37
    fsub r29, r29, r34          ; vz_i -= dz * mj
    fld64 r38, r22, 24
    fmul r34, r30, r36
    fadd r38, r38, r34
    fst64 r22, 24, r38          ; vx_j += dx * mi
    fld64 r38, r22, 32
    fmul r34, r31, r36
    fadd r38, r38, r34
    fst64 r22, 32, r38          ; vy_j += dy * mi
    fld64 r38, r22, 40
    fmul r34, r32, r36
    fadd r38, r38, r34
    fst64 r22, 40, r38          ; vz_j += dz * mi
    addi r22, r22, 56
    blt r22, r2, pair           ; next j
    fst64 r21, 24, r27          ; v_i is final for this step
    fst64 r21, 32, r28
    fst64 r21, 40, r29
    fmul r34, r3, r27
    fadd r23, r23, r34
    fst64 r21, 0, r23           ; x_i += dt * vx_i
    fmul r34, r3, r28
    fadd r24, r24, r34
    fst64 r21, 8, r24           ; y_i += dt * vy_i
    fmul r34, r3, r29
    fadd r25, r25, r34
    fst64 r21, 16, r25          ; z_i += dt * vz_i
    addi r21, r21, 56
    blt r21, r20, body_i        ; next i while i < 4
    fld64 r23, r20, 0           ; body 4 has no pair left: position only
    fld64 r27, r20, 24
    fmul r34, r3, r27
    fadd r23, r23, r34
    fst64 r20, 0, r23
    fld64 r24, r20, 8
    fld64 r28, r20, 32
    fmul r34, r3, r28
    fadd r24, r24, r34
    fst64 r20, 8, r24
    fld64 r25, r20, 16
    fld64 r29, r20, 40
    fmul r34, r3, r29
    fadd r25, r25, r34
    fst64 r20, 16, r25
    addi r4, r4, 1
    blt r4, r0, step

    ; ---- energy
energy:
    fmovi r40, 0.0              ; e
    fmovi r41, 0.5
    mov r21, r1
energy_i:
    fld64 r26, r21, 48          ; m_i
    fld64 r27, r21, 24
    fld64 r28, r21, 32
    fld64 r29, r21, 40
    fmul r33, r27, r27
    fmul r34, r28, r28
    fadd r33, r33, r34
    fmul r34, r29, r29
    fadd r33, r33, r34          ; vx*vx + vy*vy + vz*vz
    fmul r34, r41, r26          ; 0.5 * m_i
    fmul r34, r34, r33
    fadd r40, r40, r34          ; e += 0.5 * m_i * v^2
    addi r22, r21, 56
    bge r22, r2, energy_next    ; no j > i
    fld64 r23, r21, 0
    fld64 r24, r21, 8
    fld64 r25, r21, 16
energy_j:
    fld64 r30, r22, 0
    fsub r30, r23, r30
    fld64 r31, r22, 8
    fsub r31, r24, r31
    fld64 r32, r22, 16
    fsub r32, r25, r32
    fmul r33, r30, r30
    fmul r34, r31, r31
    fadd r33, r33, r34
    fmul r34, r32, r32
    fadd r33, r33, r34
    fsqrt r33, r33              ; |p_i - p_j|
    fld64 r37, r22, 48
    fmul r36, r26, r37          ; m_i * m_j
    fdiv r36, r36, r33
    fsub r40, r40, r36          ; e -= m_i * m_j / |p_i - p_j|
    addi r22, r22, 56
    blt r22, r2, energy_j
energy_next:
    addi r21, r21, 56
    blt r21, r2, energy_i
    mov r42, r40
    movi r43, 9
    hcall r44, print_fixed, r42, 2
    halt
.end
