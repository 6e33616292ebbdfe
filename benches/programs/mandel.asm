; mandel.asm: the Mandelbrot set, f64, counting the points that do not escape.
;
; Definition (benches/RESULTS.md, "Benchmark definitions"), maxit = 200:
;   for y, x in 0..n-1:
;     ci = (2.0*y)/n - 1.0; cr = (2.0*x)/n - 1.5
;     zr = zi = zr2 = zi2 = 0; it = 0
;     while it < maxit && zr2 + zi2 <= 4.0:
;       zi = 2.0*zr*zi + ci; zr = zr2 - zi2 + cr; zr2 = zr*zr; zi2 = zi*zi; it++
;     if it == maxit: count++
;   n = 600 -> 137337
;
;   adead-vm run benches/programs/mandel.asm 600   ; prints 137337
;
; main(n) prints the count with print_i64 and halts. Every f64 operation is the C
; code's, in its order ((2.0*zr)*zi + ci, (zr2 - zi2) + cr), so the count is C's. The
; iteration loop is rotated: the first test always holds (maxit = 200 > 0 and 0 <= 4),
; so it is skipped and both tests sit at the bottom: 12 instructions per iteration.

.import print_i64 params=1

.func main params=1 regs=24
    movi r1, 200                ; maxit
    i2f r2, r0                  ; (double) n
    fmovi r3, 2.0
    fmovi r4, 1.0
    fmovi r5, 1.5
    fmovi r6, 4.0
    movi r7, 0                  ; count
    movi r8, 0                  ; y
    bge r8, r0, done            ; n <= 0
row:
    i2f r10, r8
    fmul r10, r3, r10
    fdiv r10, r10, r2
    fsub r10, r10, r4           ; ci = (2.0*y)/n - 1.0
    movi r9, 0                  ; x
column:
    i2f r11, r9
    fmul r11, r3, r11
    fdiv r11, r11, r2
    fsub r11, r11, r5           ; cr = (2.0*x)/n - 1.5
    fmovi r12, 0.0              ; zr
    fmovi r13, 0.0              ; zi
    fmovi r14, 0.0              ; zr2
    fmovi r15, 0.0              ; zi2
    movi r16, 0                 ; it
iterate:
    fmul r17, r3, r12
    fmul r17, r17, r13
    fadd r13, r17, r10          ; zi = 2.0*zr*zi + ci
    fsub r17, r14, r15
    fadd r12, r17, r11          ; zr = zr2 - zi2 + cr
    fmul r14, r12, r12          ; zr2 = zr*zr
    fmul r15, r13, r13          ; zi2 = zi*zi
    addi r16, r16, 1            ; it++
    fadd r17, r14, r15
    fle r18, r17, r6            ; zr2 + zi2 <= 4.0 (false for NaN, as in C)
    jz r18, escaped
    blt r16, r1, iterate        ; while it < maxit
escaped:
    seq r18, r16, r1
    add r7, r7, r18             ; if it == maxit: count++
    addi r9, r9, 1
    blt r9, r0, column
    addi r8, r8, 1
    blt r8, r0, row
done:
    hcall r19, print_i64, r7, 1
    halt
.end
