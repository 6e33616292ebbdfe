; Triggers use_linear_relu: matmul, a one-row bias tadd, relu.
.func main params=0 regs=12
    movi r0, 4
    movi r1, 8
    tnew r2, r0, 2          ; X [4, 8]
    movi r0, 8
    movi r1, 3
    tnew r3, r0, 2          ; W [8, 3]
    movi r0, 3
    tnew r4, r0, 1          ; b [3]
    movi r0, 1
    tnew r5, r0, 1          ; destinations
    tnew r6, r0, 1
    tnew r7, r0, 1
    matmul r5, r2, r3       ; T = X . W
    tadd r6, r5, r4         ; U = T + b
    relu r7, r6             ; V = relu(U)
    tfree r2
    tfree r3
    tfree r4
    tfree r5
    tfree r6
    tfree r7
    movi r0, 0
    ret r0
.end
