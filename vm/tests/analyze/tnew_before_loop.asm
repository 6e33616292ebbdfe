; Triggers nothing: the tensor is made once, filled on each of 200 iterations, freed.
.func main params=0 regs=8
    movi r0, 0
    movi r1, 200
    movi r2, 16
    tnew r3, r2, 1
    fmovi.f32 r4, 1.5
top:
    tfill r3, r4
    addi r0, r0, 1
    blt r0, r1, top
    tfree r3
    ret r0
.end
