; embed.asm: the module the C, C++ and Zig programs of examples/embed/ load.
;
; affine(x, w, b, n): a new tensor y = gain(n) * (x . w) + b, with x [m, k], w [k, p],
;   b [p] (one row, added to every row) and gain the host's function (an f32).
; divide(a, b): a / b, rounded toward zero; b = 0 traps with divide_by_zero.

.func affine params=4 regs=8
    movi r4, 1
    tnew r5, r4, 1                  ; the result: matmul gives it its shape
    matmul r5, r0, r1
    hcall r6, gain, r3, 1           ; pc 3: the host's f32
    tscale r5, r5, r6
    tadd r5, r5, r2
    ret r5
.end

.func divide params=2 regs=3
    div r2, r0, r1                  ; pc 0
    ret r2
.end

.export affine
.export divide
