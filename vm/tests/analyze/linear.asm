; Triggers use_linear: matmul and a one-row bias tadd, no relu.
.func main params=0 regs=12
    movi r0, 4
    movi r1, 8
    tnew r2, r0, 2          ; X [4, 8]
    movi r0, 8
    movi r1, 3
    tnew r3, r0, 2          ; W [8, 3]
    movi r0, 1
    movi r1, 3
    tnew r4, r0, 2          ; b [1, 3]
    movi r0, 1
    tnew r5, r0, 1
    tnew r6, r0, 1
    matmul r5, r2, r3       ; T = X . W
    tadd r6, r5, r4         ; U = T + b
    tfree r2
    tfree r3
    tfree r4
    tfree r5
    tfree r6
    movi r0, 0
    ret r0
.end
