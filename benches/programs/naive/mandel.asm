; naive/mandel.asm: the Mandelbrot set as a naive compiler front end emits it.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), the same as ../mandel.asm,
; maxit = 200:
;   for y, x in 0..n-1:
;     ci = (2.0*y)/n - 1.0; cr = (2.0*x)/n - 1.5
;     zr = zi = zr2 = zi2 = 0; it = 0
;     while it < maxit && zr2 + zi2 <= 4.0:
;       zi = 2.0*zr*zi + ci; zr = zr2 - zi2 + cr; zr2 = zr*zr; zi2 = zi*zi; it++
;     if it == maxit: count++
;   n = 600 -> 137337
;
;   adead-vm run benches/programs/naive/mandel.asm 600   ; prints 137337
;
; The C peer's mandel(n, maxit), called with maxit = 200, translated without loop
; rotation or hoisting: every loop is top-tested, `&&` is two tests in source order
; (`slt` and `jz`, then `fadd`, `fle` and `jz`), every float literal (2.0, 1.0, 1.5,
; 4.0, 0.0) is materialised with `fmovi` where it is used, and `n` is converted to f64
; at each use, as C's `(2.0 * y) / n` reads. Every f64 operation is the C code's, in its
; order, so the count is C's. (The hand-written ../mandel.asm keeps the constants in
; registers and skips the first test of the rotated iteration loop: 12 instructions per
; iteration.)
;
; main(n) prints mandel(n, 200) with print_i64 and halts. 16 instructions per
; iteration; 482,222,142 for n = 600.

.import print_i64 params=1

.func main params=1 regs=4
    movi r1, 200                ; maxit
    call r2, mandel, r0, 2
    hcall r3, print_i64, r2, 1
    halt
.end

.func mandel params=2 regs=32
    ; r0 n, r1 maxit
    movi r2, 0                  ; count
    movi r3, 0                  ; y
y_test:
    slt r4, r3, r0              ; y < n
    jz r4, done
    fmovi r5, 2.0
    i2f r6, r3
    fmul r5, r5, r6
    i2f r6, r0
    fdiv r5, r5, r6
    fmovi r6, 1.0
    fsub r7, r5, r6             ; ci = (2.0 * y) / n - 1.0
    movi r8, 0                  ; x
x_test:
    slt r4, r8, r0              ; x < n
    jz r4, y_next
    fmovi r5, 2.0
    i2f r6, r8
    fmul r5, r5, r6
    i2f r6, r0
    fdiv r5, r5, r6
    fmovi r6, 1.5
    fsub r9, r5, r6             ; cr = (2.0 * x) / n - 1.5
    fmovi r10, 0.0              ; zr
    fmovi r11, 0.0              ; zi
    fmovi r12, 0.0              ; zr2
    fmovi r13, 0.0              ; zi2
    movi r14, 0                 ; it
it_test:
    slt r4, r14, r1             ; it < maxit
    jz r4, it_done
    fadd r5, r12, r13
    fmovi r6, 4.0
    fle r4, r5, r6              ; zr2 + zi2 <= 4.0 (false for NaN, as in C)
    jz r4, it_done
    fmovi r5, 2.0
    fmul r5, r5, r10
    fmul r5, r5, r11
    fadd r11, r5, r7            ; zi = 2.0 * zr * zi + ci
    fsub r5, r12, r13
    fadd r10, r5, r9            ; zr = zr2 - zi2 + cr
    fmul r12, r10, r10          ; zr2 = zr * zr
    fmul r13, r11, r11          ; zi2 = zi * zi
    addi r14, r14, 1            ; it++
    jmp it_test
it_done:
    seq r4, r14, r1             ; it == maxit
    jz r4, x_next
    addi r2, r2, 1              ; count++
x_next:
    addi r8, r8, 1              ; x++
    jmp x_test
y_next:
    addi r3, r3, 1              ; y++
    jmp y_test
done:
    ret r2
.end
