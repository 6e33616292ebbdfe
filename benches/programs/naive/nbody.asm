; naive/nbody.asm: the n-body simulation as a naive compiler front end emits it.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), the same as ../nbody.asm:
;   Sun, Jupiter, Saturn, Uranus, Neptune with the standard constants; velocities
;   times DAYS_PER_YEAR = 365.24, masses times SOLAR_MASS = 4.0*PI*PI; momentum offset on
;   the Sun (v_sun = -p / SOLAR_MASS). dt = 0.01. Per step, for each pair i < j:
;     d = p_i - p_j; d2 = dx*dx + dy*dy + dz*dz; mag = dt / (d2 * sqrt(d2))
;     mi = m_i*mag; mj = m_j*mag; v_i -= d*mj; v_j += d*mi
;   then p += dt*v for every body. The energy is printed with 9 decimals:
;   steps = 1,000,000 -> -0.169086185 (1000 steps -> -0.169087605, 0 -> -0.169075164).
;
;   adead-vm run benches/programs/naive/nbody.asm 1000000   ; prints -0.169086185
;
; The C peer (benches/peers/c/bench.c) function by function, translated without
; inlining, loop rotation, common subexpressions or register promotion of memory: main
; calls init (C's initialiser: the constants, velocities and masses scaled),
; offset_momentum, advance(b, 0.01) once per step and energy. Every loop is top-tested
; (`movi` of NBODIES, `slt` into a register, `jz` out, body, `jmp` back); every b[i].f
; is computed from the index at each access (`muli` by the body size 56, `add` the
; base, then the load or store); every field read is a load, every compound assignment
; a load and a store; literals (NBODIES, 0.5, 365.24, SOLAR_MASS as 4.0*PI*PI, dt at
; the call) are materialised where they are used. Every f64 operation is the C code's,
; with the same operands in the same order, so the energy is C's bit for bit. (The
; hand-written ../nbody.asm keeps body i in registers across its pairs and walks
; addresses: 476 instructions per step.)
;
; main(steps) prints the energy with print_fixed (9 digits) and halts. Per step: 1001
; instructions: 7 in main's loop (the call included); in advance, 10 pairs of 75, 79 of
; control for the pair loops (the i and j tests, j = i + 1, i++), the position loop (5
; bodies of 29, 19 of control) and the `ret`. 1,001,001,099 for 10^6 steps.

.import print_fixed params=2

; x y z vx vy vz mass per body (7 f64, 56 bytes); velocities in AU/day, masses in solar
; masses (the Sun's is 1.0: 1.0*SOLAR_MASS is SOLAR_MASS exactly); the same data as
; ../nbody.asm
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

.func main params=1 regs=12
    movi r1, @bodies            ; b
    call r2, init, r1, 1
    call r2, offset_momentum, r1, 1
    movi r3, 0                  ; s
step_test:
    slt r4, r3, r0              ; s < steps
    jz r4, finish
    mov r5, r1
    fmovi r6, 0.01
    call r7, advance, r5, 2     ; advance(b, 0.01)
    addi r3, r3, 1              ; s++
    jmp step_test
finish:
    call r8, energy, r1, 1
    movi r9, 9
    hcall r10, print_fixed, r8, 2 ; print the energy with 9 digits
    halt
.end

; b = the initial state: velocities * DAYS_PER_YEAR, masses * SOLAR_MASS (C's initialiser)
.func init params=1 regs=12
    movi r1, @constants
    movi r2, 0                  ; i
init_test:
    movi r3, 5
    slt r4, r2, r3              ; i < NBODIES
    jz r4, init_done
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 0
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 0, r6             ; b[i].x = initial[i].x
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 8
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 8, r6             ; b[i].y = initial[i].y
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 16
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 16, r6            ; b[i].z = initial[i].z
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 24
    fmovi r7, 365.24
    fmul r6, r6, r7             ; * DAYS_PER_YEAR
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 24, r6            ; b[i].vx = initial[i].vx * ...
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 32
    fmovi r7, 365.24
    fmul r6, r6, r7             ; * DAYS_PER_YEAR
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 32, r6            ; b[i].vy = initial[i].vy * ...
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 40
    fmovi r7, 365.24
    fmul r6, r6, r7             ; * DAYS_PER_YEAR
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 40, r6            ; b[i].vz = initial[i].vz * ...
    muli r5, r2, 56
    add r5, r1, r5
    fld64 r6, r5, 48
    fmovi r7, 4.0
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8             ; SOLAR_MASS = 4.0 * PI * PI
    fmul r6, r6, r7
    muli r9, r2, 56
    add r9, r0, r9
    fst64 r9, 48, r6            ; b[i].mass = initial[i].mass * ...
    addi r2, r2, 1              ; i++
    jmp init_test
init_done:
    ret r0
.end

.func offset_momentum params=1 regs=16
    fmovi r10, 0.0              ; px
    fmovi r11, 0.0              ; py
    fmovi r12, 0.0              ; pz
    movi r2, 0                  ; i
om_test:
    movi r3, 5
    slt r4, r2, r3              ; i < NBODIES
    jz r4, om_done
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r6, r5, 24
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r7, r5, 48
    fmul r6, r6, r7
    fadd r10, r10, r6           ; px += b[i].vx * b[i].mass
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r6, r5, 32
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r7, r5, 48
    fmul r6, r6, r7
    fadd r11, r11, r6           ; py += b[i].vy * b[i].mass
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r6, r5, 40
    muli r5, r2, 56
    add r5, r0, r5
    fld64 r7, r5, 48
    fmul r6, r6, r7
    fadd r12, r12, r6           ; pz += b[i].vz * b[i].mass
    addi r2, r2, 1              ; i++
    jmp om_test
om_done:
    fneg r6, r10
    fmovi r7, 4.0
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8             ; SOLAR_MASS = 4.0 * PI * PI
    fdiv r6, r6, r7
    fst64 r0, 24, r6            ; b[0].vx = -px / SOLAR_MASS
    fneg r6, r11
    fmovi r7, 4.0
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8             ; SOLAR_MASS = 4.0 * PI * PI
    fdiv r6, r6, r7
    fst64 r0, 32, r6            ; b[0].vy = -py / SOLAR_MASS
    fneg r6, r12
    fmovi r7, 4.0
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8
    fmovi r8, 3.141592653589793
    fmul r7, r7, r8             ; SOLAR_MASS = 4.0 * PI * PI
    fdiv r6, r6, r7
    fst64 r0, 40, r6            ; b[0].vz = -pz / SOLAR_MASS
    ret r0
.end

; advance(b, dt): one step, C's advance()
.func advance params=2 regs=24
    ; r0 b, r1 dt, r2 i, r5 j; r9 dx, r10 dy, r11 dz, r12 d2, r14 mag, r15 mi, r16 mj
    movi r2, 0                  ; i
adv_i_test:
    movi r3, 5
    slt r4, r2, r3              ; i < NBODIES
    jz r4, adv_position
    addi r5, r2, 1              ; j = i + 1
adv_j_test:
    movi r3, 5
    slt r4, r5, r3              ; j < NBODIES
    jz r4, adv_i_next
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 0
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r8, r6, 0
    fsub r9, r7, r8             ; dx = b[i].x - b[j].x
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 8
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r8, r6, 8
    fsub r10, r7, r8            ; dy = b[i].y - b[j].y
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 16
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r8, r6, 16
    fsub r11, r7, r8            ; dz = b[i].z - b[j].z
    fmul r12, r9, r9
    fmul r13, r10, r10
    fadd r12, r12, r13
    fmul r13, r11, r11
    fadd r12, r12, r13          ; d2 = dx*dx + dy*dy + dz*dz
    fsqrt r13, r12
    fmul r13, r12, r13
    fdiv r14, r1, r13           ; mag = dt / (d2 * sqrt(d2))
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 48
    fmul r15, r7, r14           ; mi = b[i].mass * mag
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r7, r6, 48
    fmul r16, r7, r14           ; mj = b[j].mass * mag
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 24
    fmul r8, r9, r16
    fsub r7, r7, r8
    fst64 r6, 24, r7            ; b[i].vx -= dx * mj
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 32
    fmul r8, r10, r16
    fsub r7, r7, r8
    fst64 r6, 32, r7            ; b[i].vy -= dy * mj
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 40
    fmul r8, r11, r16
    fsub r7, r7, r8
    fst64 r6, 40, r7            ; b[i].vz -= dz * mj
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r7, r6, 24
    fmul r8, r9, r15
    fadd r7, r7, r8
    fst64 r6, 24, r7            ; b[j].vx += dx * mi
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r7, r6, 32
    fmul r8, r10, r15
    fadd r7, r7, r8
    fst64 r6, 32, r7            ; b[j].vy += dy * mi
    muli r6, r5, 56
    add r6, r0, r6
    fld64 r7, r6, 40
    fmul r8, r11, r15
    fadd r7, r7, r8
    fst64 r6, 40, r7            ; b[j].vz += dz * mi
    addi r5, r5, 1              ; j++
    jmp adv_j_test
adv_i_next:
    addi r2, r2, 1              ; i++
    jmp adv_i_test
adv_position:
    movi r2, 0                  ; i
adv_p_test:
    movi r3, 5
    slt r4, r2, r3              ; i < NBODIES
    jz r4, adv_done
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 0
    muli r17, r2, 56
    add r17, r0, r17
    fld64 r8, r17, 24
    fmul r8, r1, r8
    fadd r7, r7, r8
    fst64 r6, 0, r7             ; b[i].x += dt * b[i].vx
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 8
    muli r17, r2, 56
    add r17, r0, r17
    fld64 r8, r17, 32
    fmul r8, r1, r8
    fadd r7, r7, r8
    fst64 r6, 8, r7             ; b[i].y += dt * b[i].vy
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 16
    muli r17, r2, 56
    add r17, r0, r17
    fld64 r8, r17, 40
    fmul r8, r1, r8
    fadd r7, r7, r8
    fst64 r6, 16, r7            ; b[i].z += dt * b[i].vz
    addi r2, r2, 1              ; i++
    jmp adv_p_test
adv_done:
    ret r0
.end

; energy(b): C's energy()
.func energy params=1 regs=24
    ; r0 b, r1 e, r2 i, r11 j; r12 dx, r13 dy, r14 dz
    fmovi r1, 0.0               ; e
    movi r2, 0                  ; i
en_i_test:
    movi r3, 5
    slt r4, r2, r3              ; i < NBODIES
    jz r4, en_done
    fmovi r5, 0.5
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 48
    fmul r5, r5, r7             ; 0.5 * b[i].mass
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 24
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r8, r6, 24
    fmul r9, r7, r8             ; b[i].vx * b[i].vx
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 32
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r8, r6, 32
    fmul r10, r7, r8            ; b[i].vy * b[i].vy
    fadd r9, r9, r10
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 40
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r8, r6, 40
    fmul r10, r7, r8            ; b[i].vz * b[i].vz
    fadd r9, r9, r10
    fmul r5, r5, r9
    fadd r1, r1, r5             ; e += 0.5 * b[i].mass * (vx*vx + vy*vy + vz*vz)
    addi r11, r2, 1             ; j = i + 1
en_j_test:
    movi r3, 5
    slt r4, r11, r3             ; j < NBODIES
    jz r4, en_i_next
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 0
    muli r6, r11, 56
    add r6, r0, r6
    fld64 r8, r6, 0
    fsub r12, r7, r8            ; dx = b[i].x - b[j].x
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 8
    muli r6, r11, 56
    add r6, r0, r6
    fld64 r8, r6, 8
    fsub r13, r7, r8            ; dy = b[i].y - b[j].y
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 16
    muli r6, r11, 56
    add r6, r0, r6
    fld64 r8, r6, 16
    fsub r14, r7, r8            ; dz = b[i].z - b[j].z
    muli r6, r2, 56
    add r6, r0, r6
    fld64 r7, r6, 48
    muli r6, r11, 56
    add r6, r0, r6
    fld64 r8, r6, 48
    fmul r15, r7, r8            ; b[i].mass * b[j].mass
    fmul r16, r12, r12
    fmul r17, r13, r13
    fadd r16, r16, r17
    fmul r17, r14, r14
    fadd r16, r16, r17
    fsqrt r16, r16              ; sqrt(dx*dx + dy*dy + dz*dz)
    fdiv r15, r15, r16
    fsub r1, r1, r15            ; e -= (b[i].mass * b[j].mass) / sqrt(...)
    addi r11, r11, 1            ; j++
    jmp en_j_test
en_i_next:
    addi r2, r2, 1              ; i++
    jmp en_i_test
en_done:
    ret r1
.end
