; Triggers nothing: the fused ops already, and a matmul whose tadd adds a whole matrix
; (not a bias row, so `linear` cannot take it).
.func main params=0 regs=12
    movi r0, 4
    movi r1, 8
    tnew r2, r0, 2          ; X [4, 8]
    movi r0, 8
    movi r1, 3
    tnew r3, r0, 2          ; W [8, 3]
    movi r0, 3
    tnew r4, r0, 1          ; b [3]
    movi r0, 4
    movi r1, 3
    tnew r8, r0, 2          ; M [4, 3]
    movi r0, 1
    tnew r5, r0, 1
    tnew r6, r0, 1
    tnew r7, r0, 1
    linear.relu r5, r2, r3, r4
    linear r6, r2, r3, r4
    matmul r7, r2, r3
    tadd r7, r7, r8         ; T + M, elementwise
    relu r7, r7
    tfree r2
    tfree r3
    tfree r4
    tfree r5
    tfree r6
    tfree r7
    tfree r8
    movi r0, 0
    ret r0
.end
