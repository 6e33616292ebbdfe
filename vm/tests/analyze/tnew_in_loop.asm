; Triggers tnew_in_hot_loop: a tensor made and freed on each of 200 iterations.
.func main params=0 regs=8
    movi r0, 0
    movi r1, 200
    movi r2, 128
top:
    tnew r3, r2, 1
    tfree r3
    addi r0, r0, 1
    blt r0, r1, top
    ret r0
.end
