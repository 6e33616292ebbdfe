; mandel.asm: the Mandelbrot set as ASCII art, in f64 arithmetic.
;
;   adead-vm run examples/mandel.asm
;
; For each character cell, c = cr + ci*i; iterate z = z^2 + c up to 64 times and print
; '#' if z stayed within |z| <= 2, else ' '.

.func main params=0 regs=24
    movi r0, 0                  ; y
    movi r1, 24                 ; rows
    movi r2, 72                 ; columns
    movi r3, 64                 ; max iterations
    fmovi r20, 2.0
    fmovi r21, 4.0
    fmovi r22, 12.0             ; rows / 2
    fmovi r23, 24.0             ; columns / 3
row:
    movi r4, 0                  ; x
    i2f r10, r0
    fdiv r10, r10, r22
    fmovi r11, 1.0
    fsub r10, r10, r11          ; ci = y / 12 - 1
column:
    i2f r12, r4
    fdiv r12, r12, r23
    fsub r12, r12, r20          ; cr = x / 24 - 2
    fmovi r13, 0.0              ; zr
    fmovi r14, 0.0              ; zi
    movi r5, 0                  ; iterations
iterate:
    fmul r15, r13, r13          ; zr^2
    fmul r16, r14, r14          ; zi^2
    fadd r17, r15, r16
    flt r18, r21, r17           ; |z|^2 > 4 ?
    jnz r18, escaped
    fmul r14, r13, r14
    fmul r14, r14, r20
    fadd r14, r14, r10          ; zi = 2 zr zi + ci
    fsub r13, r15, r16
    fadd r13, r13, r12          ; zr = zr^2 - zi^2 + cr
    addi r5, r5, 1
    blt r5, r3, iterate
    movi r6, 35                 ; '#': stayed bounded
    jmp plot
escaped:
    movi r6, 32                 ; ' '
plot:
    hcall r7, print_char, r6, 1
    addi r4, r4, 1
    blt r4, r2, column
    movi r6, 10                 ; newline
    hcall r7, print_char, r6, 1
    addi r0, r0, 1
    blt r0, r1, row
    halt
.end
